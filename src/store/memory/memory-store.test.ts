import { runStoreContract } from '../contract.test-suite.js';
import { openMemoryStore } from './memory-store.js';

runStoreContract('memory', async () => openMemoryStore());
