// Child process that takes a database's process lock as `role` and holds it until killed.
import { acquireProcessLock } from '../../src/db/process-lock.ts';

const [dbPath, role] = process.argv.slice(2);
acquireProcessLock(dbPath!, role ?? 'bot');
process.stdout.write('locked\n');
setInterval(() => {}, 60_000);
