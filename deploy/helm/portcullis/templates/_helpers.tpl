{{/* Release-wide name: "<release>" when it already contains the chart name, else "<release>-<chart>". */}}
{{- define "portcullis.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* One system's resource name: <fullname>-<system>. Call with (dict "root" $ "name" $name). */}}
{{- define "portcullis.systemName" -}}
{{- printf "%s-%s" (include "portcullis.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "portcullis.selectorLabels" -}}
app.kubernetes.io/name: {{ default .root.Chart.Name .root.Values.nameOverride | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "portcullis.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "portcullis.selectorLabels" . }}
app.kubernetes.io/part-of: portcullis
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end -}}

{{/*
One system's settings: the chart-wide `defaults` overlaid with the system's own keys, two levels
deep: `autoscaling.enabled` in a system keeps the default min/max, while `resources.limits`
replaces the default limits whole. Plain `set` rather than sprig's merge, so a system's `false`
or `0` always wins. Returns YAML: $cfg := include "portcullis.config" (dict ...) | fromYaml
*/}}
{{- define "portcullis.config" -}}
{{- $cfg := deepCopy .root.Values.defaults -}}
{{- range $k, $v := .system -}}
{{- $d := index $cfg $k -}}
{{- if and (kindIs "map" $v) (kindIs "map" $d) -}}
{{- $m := deepCopy $d -}}
{{- range $k2, $v2 := $v -}}
{{- $_ := set $m $k2 $v2 -}}
{{- end -}}
{{- $_ := set $cfg $k $m -}}
{{- else -}}
{{- $_ := set $cfg $k $v -}}
{{- end -}}
{{- end -}}
{{- toYaml $cfg -}}
{{- end -}}

{{- define "portcullis.image" -}}
{{- $img := .cfg.image | default dict -}}
{{- $repo := $img.repository | default (printf "%s/%s" (trimSuffix "/" .root.Values.image.repository) .name) -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $repo $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (toString ($img.tag | default .root.Values.image.tag | default .root.Chart.AppVersion)) -}}
{{- end -}}
{{- end -}}

{{- define "portcullis.serviceAccountName" -}}
{{- $sa := .cfg.serviceAccount | default dict -}}
{{- if $sa.create -}}
{{- $sa.name | default (include "portcullis.systemName" .) -}}
{{- else -}}
{{- $sa.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/*
Fails the render with one clear line when a system's settings would not start, or would put a
secret in plain sight. The server checks these again at start-up; failing here is earlier.
*/}}
{{- define "portcullis.validate" -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $cfg := .cfg -}}
{{- $v := $root.Values -}}
{{- $refRe := "^(env|file|aws-sm):.+$" -}}
{{- if not $cfg.port -}}
{{- fail (printf "systems.%s.port is required" $name) -}}
{{- end -}}
{{- if not (has $v.auth.mode (list "jwt" "apikey")) -}}
{{- fail (printf "auth.mode must be jwt or apikey (none is refused with NODE_ENV=production), not %q" (toString $v.auth.mode)) -}}
{{- end -}}
{{- if eq $v.auth.mode "jwt" -}}
{{- if not $v.auth.jwt.issuer -}}{{- fail "auth.jwt.issuer is required when auth.mode=jwt" -}}{{- end -}}
{{- if not $v.auth.jwt.jwksUrl -}}{{- fail "auth.jwt.jwksUrl is required when auth.mode=jwt" -}}{{- end -}}
{{- if not (or $cfg.publicUrl $cfg.audience) -}}
{{- fail (printf "systems.%s.publicUrl (or .audience) is required when auth.mode=jwt: tokens must name this server's resource URI" $name) -}}
{{- end -}}
{{- end -}}
{{- if and (eq $v.auth.mode "apikey") (not $v.auth.apiKeys.existingSecret) -}}
{{- fail "auth.apiKeys.existingSecret is required when auth.mode=apikey (a Secret holding api-keys.json: hashes only)" -}}
{{- end -}}
{{- $audit := toString $v.config.audit -}}
{{- if not (or (eq $audit "postgres") (eq $audit "stderr") (hasPrefix "file:" $audit)) -}}
{{- fail (printf "config.audit must be postgres, stderr or file:PATH, not %q" $audit) -}}
{{- end -}}
{{- if and (eq $audit "postgres") (not $v.datastores.secretName) -}}
{{- fail "config.audit=postgres needs a PostgreSQL server: set datastores.secretName (else the audit chain would live in a pod's emptyDir)" -}}
{{- end -}}
{{- if and (not $v.datastores.secretName) (or (gt (int $cfg.replicas) 1) $cfg.autoscaling.enabled) -}}
{{- fail (printf "systems.%s: without datastores.secretName each pod keeps its own embedded store; run one replica (replicas: 1, no autoscaling) or give it PostgreSQL and Redis" $name) -}}
{{- end -}}
{{- range $key, $ref := ($cfg.credentials | default dict) -}}
{{- if not (regexMatch $refRe (toString $ref)) -}}
{{- fail (printf "systems.%s.credentials.%s must be a credential reference (env:NAME, file:/path or aws-sm:secret-id[#json-key]), never the secret itself" $name $key) -}}
{{- end -}}
{{- end -}}
{{- if $cfg.approvalKey -}}
{{- if not (regexMatch $refRe (toString $cfg.approvalKey)) -}}
{{- fail (printf "systems.%s.approvalKey must be a credential reference (aws-sm:secret-id[#json-key], file:/path or env:NAME), never the key itself" $name) -}}
{{- end -}}
{{- else if and $cfg.requireApprovalKey (eq (toString $v.config.nodeEnv) "production") -}}
{{- fail (printf "systems.%s.approvalKey is required in production (a credential reference such as aws-sm:portcullis/%s#approval_key): replicas must share the approval signing key" $name $name) -}}
{{- end -}}
{{- $secretish := "(?i)(secret|password|passwd|token|api_?key|private|credential|approval_key|database_url|redis_url)" -}}
{{- range $key, $val := ($cfg.env | default dict) -}}
{{- if and (regexMatch $secretish $key) (not (regexMatch $refRe (toString $val))) -}}
{{- fail (printf "systems.%s.env.%s looks like a secret: give a credential reference (aws-sm:..., file:..., env:...) under systems.%s.credentials instead" $name $key $name) -}}
{{- end -}}
{{- end -}}
{{- range $key, $val := ($v.config.extraEnv | default dict) -}}
{{- if and (regexMatch $secretish $key) (not (regexMatch $refRe (toString $val))) -}}
{{- fail (printf "config.extraEnv.%s looks like a secret: give a credential reference under systems.<name>.credentials instead" $key) -}}
{{- end -}}
{{- end -}}
{{- $graceMs := mul (int $cfg.terminationGracePeriodSeconds) 1000 -}}
{{- $needMs := add (int $v.config.shutdownTimeoutMs) (mul (int $cfg.preStopSleepSeconds) 1000) -}}
{{- if le $graceMs $needMs -}}
{{- fail (printf "systems.%s: terminationGracePeriodSeconds (%d) must exceed preStopSleepSeconds + config.shutdownTimeoutMs (%d ms), or in-flight calls are killed mid-drain" $name (int $cfg.terminationGracePeriodSeconds) $needMs) -}}
{{- end -}}
{{- if $cfg.policies -}}
{{- if not (hasKey $cfg.policies "schema.cedarschema") -}}
{{- fail (printf "systems.%s.policies replaces the server's policy folder and must include schema.cedarschema" $name) -}}
{{- end -}}
{{- $cedar := 0 -}}
{{- range $file, $_ := $cfg.policies -}}{{- if hasSuffix ".cedar" $file -}}{{- $cedar = add1 $cedar -}}{{- end -}}{{- end -}}
{{- if eq $cedar 0 -}}
{{- fail (printf "systems.%s.policies must include at least one *.cedar file" $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
