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
{{- /* A volume has exactly one source: a system's dataVolume replaces the default's whole. */ -}}
{{- if and (kindIs "map" $v) (kindIs "map" $d) (ne $k "dataVolume") (ne $k "secretEnv") -}}
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
{{- $hasDb := include "portcullis.externalStore" . | eq "true" -}}
{{- if and (eq $audit "postgres") (not $hasDb) -}}
{{- fail (printf "config.audit=postgres needs a PostgreSQL server for systems.%s: set datastores.secretName or secretEnv.DATABASE_URL (else the audit chain would live in a pod's volume)" $name) -}}
{{- end -}}
{{- if and (not $hasDb) (or (gt (int $cfg.replicas) 1) $cfg.autoscaling.enabled) -}}
{{- fail (printf "systems.%s: without datastores.secretName (or secretEnv.DATABASE_URL) each pod keeps its own embedded store; run one replica (replicas: 1, no autoscaling) or give it PostgreSQL and Redis" $name) -}}
{{- end -}}
{{- range $k := list "DATABASE_URL" "REDIS_URL" -}}
{{- if hasKey ($cfg.credentials | default dict) $k -}}
{{- fail (printf "systems.%s.credentials.%s: the server reads %s as a URL; take it from a Secret with secretEnv.%s: { secretName, key }" $name $k $k $k) -}}
{{- end -}}
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
{{- else if and $cfg.requireApprovalKey (eq (lower (trim (toString $v.config.nodeEnv))) "production") -}}
{{- fail (printf "systems.%s.approvalKey is required in production (a credential reference such as aws-sm:portcullis/%s#approval_key): replicas must share the approval signing key" $name $name) -}}
{{- end -}}
{{- $auditKey := toString ($v.config.auditKey | default "") -}}
{{- if $auditKey -}}
{{- if not (regexMatch $refRe (replace "%s" $name $auditKey)) -}}
{{- fail "config.auditKey must be a credential reference (aws-sm:secret-id[#json-key], file:/path or env:NAME), never the key itself" -}}
{{- end -}}
{{- else if eq (lower (trim (toString $v.config.nodeEnv))) "production" -}}
{{- fail "config.auditKey is required in production (a credential reference such as aws-sm:portcullis/%s#audit_key): the audit chain is keyed so that rewriting it needs the key" -}}
{{- end -}}
{{- $secretish := "(?i)((secret|password|passwd|token|key)$|api_?key|private|credential|approval_key|database_url|redis_url)" -}}
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
{{- /* Only systems whose image this repository builds (deploy/Dockerfile); add one as its server lands. */ -}}
{{- if not (has $name (list "broker" "crm" "billing" "posture-read" "remediation-write")) -}}
{{- fail (printf "systems.%s: this repository builds no %s image yet (servers/%s does not exist); disable it" $name $name $name) -}}
{{- end -}}
{{- if and (eq $name "broker") (not ($cfg.brokerConfig | default dict).configMap) -}}
{{- fail "systems.broker.brokerConfig.configMap is required: a ConfigMap holding the broker's configuration file (broker.yaml) and its tools lock (tools.lock.json)" -}}
{{- end -}}
{{- with $cfg.adminPort -}}
{{- if eq (int .) (int $cfg.port) -}}
{{- fail (printf "systems.%s.adminPort must differ from its MCP port %d (null keeps /metrics and the probes on the MCP port)" $name (int $cfg.port)) -}}
{{- end -}}
{{- end -}}
{{- $dv := $cfg.dataVolume | default dict -}}
{{- if ne (len (keys $dv)) 1 -}}
{{- fail (printf "systems.%s.dataVolume must have exactly one source, emptyDir or persistentVolumeClaim (got %s): set the other to null" $name (keys $dv | sortAlpha | join ", " | default "none")) -}}
{{- end -}}
{{- if and (not $hasDb) (eq (lower (trim (toString $v.config.nodeEnv))) "production") (not $dv.persistentVolumeClaim) -}}
{{- fail (printf "systems.%s: the embedded store in production needs a persistent volume (dataVolume.persistentVolumeClaim), or PostgreSQL through datastores.secretName or secretEnv.DATABASE_URL; an emptyDir loses every record on restart" $name) -}}
{{- end -}}
{{- $many := or (gt (int $cfg.replicas) 1) $cfg.autoscaling.enabled -}}
{{- if and $many (not $v.config.sessionAffinity.enabled) -}}
{{- if eq (toString $v.config.httpMode) "stateful" -}}
{{- fail (printf "systems.%s: config.httpMode=stateful keeps MCP sessions in one pod; with more than one replica set config.sessionAffinity.enabled (and your Ingress controller's cookie affinity), or use stateless" $name) -}}
{{- end -}}
{{- if $v.config.legacySse -}}
{{- fail (printf "systems.%s: config.legacySse holds each SSE session in one pod; with more than one replica set config.sessionAffinity.enabled, or run one replica" $name) -}}
{{- end -}}
{{- end -}}
{{- $set := include "portcullis.chartEnv" . | fromYaml -}}
{{- range $key, $_ := ($v.config.extraEnv | default dict) -}}
{{- if hasKey $set $key -}}
{{- fail (printf "config.extraEnv.%s is set by the chart; use the chart's own value for it" $key) -}}
{{- end -}}
{{- end -}}
{{- range $key, $_ := ($cfg.env | default dict) -}}
{{- if hasKey $set $key -}}
{{- fail (printf "systems.%s.env.%s is set by the chart; use the chart's own value for it" $name $key) -}}
{{- end -}}
{{- end -}}
{{- range $key, $ref := ($cfg.secretEnv | default dict) -}}
{{- if and (hasKey $set $key) (not (has $key (list "DATABASE_URL" "REDIS_URL"))) -}}
{{- fail (printf "systems.%s.secretEnv.%s is set by the chart; use the chart's own value for it" $name $key) -}}
{{- end -}}
{{- if or (not (kindIs "map" $ref)) (not $ref.secretName) (not $ref.key) -}}
{{- fail (printf "systems.%s.secretEnv.%s needs secretName and key" $name $key) -}}
{{- end -}}
{{- end -}}
{{- range $i, $f := ($cfg.secretFiles | default list) -}}
{{- if or (not $f.secretName) (not $f.mountPath) -}}
{{- fail (printf "systems.%s.secretFiles[%d] needs secretName and mountPath" $name $i) -}}
{{- end -}}
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


{{/* "true" when the system's store is a PostgreSQL server (DATABASE_URL from a Secret), not embedded PGlite. */}}
{{- define "portcullis.externalStore" -}}
{{- if or .root.Values.datastores.secretName (hasKey (.cfg.secretEnv | default dict) "DATABASE_URL") -}}true{{- else -}}false{{- end -}}
{{- end -}}

{{/* The environment variables the chart itself sets for a system (YAML map name: true). */}}
{{- define "portcullis.chartEnv" -}}
{{- $v := .root.Values -}}
{{- $names := list "NODE_ENV" "PORTCULLIS_DATA_DIR" "PORTCULLIS_AUDIT_KEY" "PORTCULLIS_AUTH" "PORTCULLIS_AUDIT" "PORTCULLIS_SHUTDOWN_TIMEOUT_MS" "PORTCULLIS_LOG_LEVEL" "PORTCULLIS_HTTP_MODE" "PORTCULLIS_ADMIN_PORT" "PORTCULLIS_PUBLIC_URL" "PORTCULLIS_JWT_ISSUER" "PORTCULLIS_JWKS_URL" "PORTCULLIS_JWT_AUDIENCE" "PORTCULLIS_JWT_ALGORITHMS" "PORTCULLIS_API_KEYS_FILE" "PORTCULLIS_READ_ONLY" "PORTCULLIS_TOOLS" "PORTCULLIS_POLICY_DIR" "PORTCULLIS_APPROVAL_KEY" "AWS_REGION" "AWS_ENDPOINT_URL_SECRETS_MANAGER" "DATABASE_URL" "REDIS_URL" -}}
{{- range $names }}
{{ . }}: true
{{- end }}
{{- range $k, $_ := (.cfg.credentials | default dict) }}
{{ $k }}: true
{{- end }}
{{- end -}}

{{/* The paths an Ingress or HTTPRoute exposes: the MCP endpoint and only what is enabled. */}}
{{- define "portcullis.publicPaths" -}}
{{- $v := .root.Values -}}
- /mcp
{{- if eq $v.auth.mode "jwt" }}
- /.well-known/oauth-protected-resource
{{- end }}
{{- if $v.config.legacySse }}
- /sse
- /messages
{{- end }}
{{- if and $v.config.exposeApprovals (hasKey .cfg "approvalKey") }}
- /approvals
{{- end }}
{{- end -}}

{{/* The container environment every pod of a system gets (the Deployment and the sync CronJob). Call with the system's ctx. */}}
{{- define "portcullis.env" -}}
{{- $name := .name }}
{{- $cfg := .cfg }}
{{- $ := .root -}}
- name: NODE_ENV
  value: {{ $.Values.config.nodeEnv | quote }}
- name: PORTCULLIS_DATA_DIR
  value: /var/lib/portcullis/data
- name: PORTCULLIS_AUTH
  value: {{ $.Values.auth.mode | quote }}
{{- if eq $.Values.auth.mode "jwt" }}
- name: PORTCULLIS_JWT_ISSUER
  value: {{ $.Values.auth.jwt.issuer | quote }}
- name: PORTCULLIS_JWKS_URL
  value: {{ $.Values.auth.jwt.jwksUrl | quote }}
{{- with $cfg.audience }}
- name: PORTCULLIS_JWT_AUDIENCE
  value: {{ . | quote }}
{{- end }}
{{- with $.Values.auth.jwt.algorithms }}
- name: PORTCULLIS_JWT_ALGORITHMS
  value: {{ . | quote }}
{{- end }}
{{- else }}
- name: PORTCULLIS_API_KEYS_FILE
  value: /etc/portcullis/api-keys/api-keys.json
{{- end }}
{{- with $cfg.publicUrl }}
- name: PORTCULLIS_PUBLIC_URL
  value: {{ . | quote }}
{{- end }}
- name: PORTCULLIS_AUDIT
  value: {{ $.Values.config.audit | quote }}
{{- with $.Values.config.auditKey }}
- name: PORTCULLIS_AUDIT_KEY
  value: {{ replace "%s" $name . | quote }}
{{- end }}
- name: PORTCULLIS_SHUTDOWN_TIMEOUT_MS
  value: {{ int $.Values.config.shutdownTimeoutMs | quote }}
- name: PORTCULLIS_LOG_LEVEL
  value: {{ $.Values.config.logLevel | quote }}
- name: PORTCULLIS_HTTP_MODE
  value: {{ $.Values.config.httpMode | quote }}
{{- with $cfg.adminPort }}
- name: PORTCULLIS_ADMIN_PORT
  value: {{ int . | quote }}
{{- end }}
{{- if $cfg.readOnly }}
- name: PORTCULLIS_READ_ONLY
  value: "true"
{{- end }}
{{- with $cfg.tools }}
- name: PORTCULLIS_TOOLS
  value: {{ join "," . | quote }}
{{- end }}
{{- if or $cfg.policies $cfg.policiesConfigMap }}
- name: PORTCULLIS_POLICY_DIR
  value: /etc/portcullis/policies
{{- end }}
{{- with $cfg.approvalKey }}
- name: PORTCULLIS_APPROVAL_KEY
  value: {{ . | quote }}
{{- end }}
{{- with $.Values.aws.region }}
- name: AWS_REGION
  value: {{ . | quote }}
{{- end }}
{{- with $.Values.aws.secretsManagerEndpoint }}
- name: AWS_ENDPOINT_URL_SECRETS_MANAGER
  value: {{ . | quote }}
{{- end }}
{{- $secretEnv := $cfg.secretEnv | default dict }}
{{- if and $.Values.datastores.secretName (not (hasKey $secretEnv "DATABASE_URL")) }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.datastores.secretName }}
      key: {{ $cfg.databaseUrlKey | default (printf "%s-database-url" $name) }}
{{- end }}
{{- if and $.Values.datastores.secretName $.Values.datastores.redisUrlKey (not (hasKey $secretEnv "REDIS_URL")) }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.datastores.secretName }}
      key: {{ $.Values.datastores.redisUrlKey }}
{{- end }}
{{- /* Secret keys as variables: DATABASE_URL, REDIS_URL, or what an env: reference names. */}}
{{- range $key, $ref := $secretEnv }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.secretName }}
      key: {{ $ref.key }}
      {{- if hasKey $ref "optional" }}
      optional: {{ $ref.optional }}
      {{- end }}
{{- end }}
{{- range $key, $ref := ($cfg.credentials | default dict) }}
- name: {{ $key }}
  value: {{ $ref | quote }}
{{- end }}
{{- range $key, $val := (merge (deepCopy ($cfg.env | default dict)) ($.Values.config.extraEnv | default dict)) }}
- name: {{ $key }}
  value: {{ toString $val | quote }}
{{- end }}
{{- end -}}

{{/* The container's volume mounts (data, tmp, policies, API keys, secret files, extras). */}}
{{- define "portcullis.volumeMounts" -}}
{{- $cfg := .cfg }}
{{- $ := .root -}}
- name: data
  mountPath: /var/lib/portcullis
- name: tmp
  mountPath: /tmp
{{- if or $cfg.policies $cfg.policiesConfigMap }}
- name: policies
  mountPath: /etc/portcullis/policies
  readOnly: true
{{- end }}
{{- if eq .name "broker" }}
- name: broker-config
  mountPath: /etc/portcullis/broker
  readOnly: true
{{- end }}
{{- if eq $.Values.auth.mode "apikey" }}
- name: api-keys
  mountPath: /etc/portcullis/api-keys
  readOnly: true
{{- end }}
{{- range $i, $f := ($cfg.secretFiles | default list) }}
- name: secret-files-{{ $i }}
  mountPath: {{ $f.mountPath }}
  readOnly: true
{{- end }}
{{- with $cfg.extraVolumeMounts }}
{{- toYaml . | nindent 0 }}
{{- end }}
{{- end -}}

{{/* The pod's volumes matching portcullis.volumeMounts. */}}
{{- define "portcullis.volumes" -}}
{{- $cfg := .cfg }}
{{- $ := .root }}
{{- $fullName := include "portcullis.systemName" . -}}
- name: data
  {{- toYaml $cfg.dataVolume | nindent 2 }}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- if or $cfg.policies $cfg.policiesConfigMap }}
- name: policies
  configMap:
    name: {{ $cfg.policiesConfigMap | default (printf "%s-policies" $fullName) }}
{{- end }}
{{- if eq .name "broker" }}
# The configuration file and, beside it, the tools lock (where the broker looks by default).
- name: broker-config
  configMap:
    name: {{ $cfg.brokerConfig.configMap }}
    items:
      - key: {{ $cfg.brokerConfig.key | default "broker.yaml" }}
        path: broker.yaml
      {{- with $cfg.brokerConfig.lockKey }}
      - key: {{ . }}
        path: tools.lock.json
      {{- end }}
{{- end }}
{{- if eq $.Values.auth.mode "apikey" }}
- name: api-keys
  secret:
    secretName: {{ $.Values.auth.apiKeys.existingSecret }}
    items:
      - key: {{ $.Values.auth.apiKeys.key | default "api-keys.json" }}
        path: api-keys.json
{{- end }}
{{- range $i, $f := ($cfg.secretFiles | default list) }}
# Secret keys as read-only files, for file: credential references.
- name: secret-files-{{ $i }}
  secret:
    secretName: {{ $f.secretName }}
    defaultMode: 288 # 0440: owner and the fsGroup read
    {{- with $f.items }}
    items:
      {{- toYaml . | nindent 6 }}
    {{- end }}
{{- end }}
{{- with $cfg.extraVolumes }}
{{- toYaml . | nindent 0 }}
{{- end }}
{{- end -}}
