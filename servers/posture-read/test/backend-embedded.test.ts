import { randomBytes } from 'node:crypto';
import { migrate, openStore } from '@portcullis/core';
import { CursorCodec } from '@portcullis/core/cursor';
import { EmbeddedBackend } from '../src/embedded.js';
import { ingestRecords } from '../src/importers/importer.js';
import { fromAsff } from '../src/importers/normalize.js';
import { migrations, storeExtensions } from '../src/migrations.js';
import { dataset } from './backend-fixture.js';
import { postureBackendSuite } from './backend-suite.js';

postureBackendSuite('findings store (PGlite)', async () => {
  const store = await openStore({ extensions: storeExtensions });
  await migrate(store, 'posture-read', migrations);
  const data = dataset();
  for (const [tenant, records] of [
    ['acme', data.acme],
    ['globex', data.globex],
  ] as const) {
    // The same ASFF records the Security Hub fake serves, through the importer's mapping.
    async function* incoming() {
      let i = 0;
      for (const r of records) yield fromAsff(r, i++);
    }
    await ingestRecords(store, incoming(), { tenant, format: 'asff', sourceName: 'suite' });
  }
  const backend = await EmbeddedBackend.open(store, {
    seed: false,
    cursors: new CursorCodec(randomBytes(32)),
  });
  return {
    backend,
    history: true,
    async close() {
      await backend.close();
      await store.close();
    },
  };
});
