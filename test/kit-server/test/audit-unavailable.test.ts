/**
 * No call runs while the audit trail cannot be written: a call run then could leave no record of
 * what it did. Here the audit sink's appends fail on demand. The call whose append fails first has
 * already run (its answer is an internal error, as before); every call after it is refused
 * (`audit_unavailable`) without running, until an append succeeds again: the first refusal written
 * to the trail lets the next call run. A failure the sink reports reaches no client in its words.
 */
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { AuditSink } from '@portcullis/core/audit';
import { startInProcess, type InProcessHarness } from '@portcullis/core/testing';
import { server as kit, type KitBackend } from '@portcullis/test-kit-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('while the audit trail cannot be written', () => {
  let h: InProcessHarness<KitBackend>;
  let failing = false;
  let failedAppends = 0;

  beforeAll(async () => {
    h = await startInProcess(kit, {
      principal: { id: 'ed', roles: ['editor'], tenant: 'acme' },
      env: { PORTCULLIS_LOG_LEVEL: 'silent' },
    });
    // The host's sink (a file by default), made to fail while `failing` is set.
    const sink = (h.runtime.host as unknown as { audit: AuditSink }).audit;
    const append = sink.append.bind(sink);
    sink.append = async (event) => {
      if (failing) {
        failedAppends += 1;
        throw new Error('ENOSPC: no space left on device, write');
      }
      return append(event);
    };
  });
  afterAll(async () => {
    await h?.close();
  });

  /** The notes titled `title` in the store. */
  async function notesTitled(title: string): Promise<number> {
    const res = await h.callTool('kit_search_notes', { query: title });
    expect(res.isError).toBe(false);
    return (res.structured as { notes: unknown[] }).notes.length;
  }

  it('runs nothing until a record is written again, and says so without internal detail', async () => {
    const before = h.auditRecords().length;
    failing = true;
    // The append fails after the call ran: the note exists, the answer is an internal error.
    const first = await h.callTool('kit_create_note', { title: 'ran-unrecorded', body: 'b' });
    expect(first.envelope).toMatchObject({ code: 'internal_error', category: 'internal' });
    expect(failedAppends).toBe(2); // the call's record, then its failure's
    // From now on nothing runs: neither a write nor a read.
    for (const [tool, args] of [
      ['kit_create_note', { title: 'never-run', body: 'b' }],
      ['kit_search_notes', { query: 'ran-unrecorded' }],
    ] as const) {
      const refused = await h.callTool(tool, args);
      expect(refused.isError, tool).toBe(true);
      expect(refused.envelope, tool).toMatchObject({
        code: 'audit_unavailable',
        category: 'internal',
        retryable: true,
      });
      expect(JSON.stringify(refused), tool).not.toMatch(/ENOSPC|no space/);
    }
    expect(failedAppends).toBe(4); // each refusal tried to write its record
    // A tool that does not exist is answered as a protocol error, once its denial is recorded;
    // that record failing is an internal error, in no words of the sink's.
    const unknown = await h.client.callTool({ name: 'kit_no_such_tool', arguments: {} }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(unknown).toBeInstanceOf(McpError);
    expect(unknown).toMatchObject({ code: ErrorCode.InternalError });
    expect(String((unknown as Error).message)).not.toMatch(/ENOSPC|no space/);
    expect(failedAppends).toBe(5);
    expect(h.auditRecords()).toHaveLength(before);

    // The trail can be written again: the next call is still refused, and its refusal recorded.
    failing = false;
    const refused = await h.callTool('kit_create_note', { title: 'never-run', body: 'b' });
    expect(refused.envelope).toMatchObject({ code: 'audit_unavailable' });
    expect(h.auditRecords()).toHaveLength(before + 1);
    expect(h.auditRecords().at(-1)).toMatchObject({
      tool: 'kit_create_note',
      outcome: 'error',
      error_code: 'audit_unavailable',
    });
    // Then calls run again, each recorded. No refused call ran.
    expect(await notesTitled('ran-unrecorded')).toBe(1);
    expect(await notesTitled('never-run')).toBe(0);
    const ok = await h.callTool('kit_create_note', { title: 'after-recovery', body: 'b' });
    expect(ok.isError).toBe(false);
    expect(await notesTitled('after-recovery')).toBe(1);
    expect(h.auditRecords()).toHaveLength(before + 5); // the refusal, three reads, the note
  });

  it('a server out of rotation gets no call: its readiness check writes the record that ends it', async () => {
    const before = h.auditRecords().length;
    failing = true;
    failedAppends = 0;
    const first = await h.callTool('kit_create_note', { title: 'ran-before-probe', body: 'b' });
    expect(first.envelope).toMatchObject({ code: 'internal_error' });
    // /readyz's check: failing while appends fail, each time trying one.
    const check = h.runtime.host.probes().audit!;
    await expect(check()).rejects.toThrow();
    expect(failedAppends).toBe(3);
    failing = false;
    await check();
    const records = h.auditRecords();
    expect(records).toHaveLength(before + 1);
    expect(records.at(-1)).toMatchObject({
      kind: 'recovery',
      tool: 'portcullis.audit',
      outcome: 'error',
      error_code: 'audit_append_failed',
      refs: { failed_appends: '3' },
    });
    const since = Date.parse((records.at(-1)!.arguments as { failed_since: string }).failed_since);
    expect(Number.isNaN(since)).toBe(false);
    await check(); // written again: nothing more to record
    expect(h.auditRecords()).toHaveLength(before + 1);
    // No call was refused to end it: the next one runs.
    const ok = await h.callTool('kit_create_note', { title: 'after-probe', body: 'b' });
    expect(ok.isError).toBe(false);
    expect(await notesTitled('after-probe')).toBe(1);
  });
});
