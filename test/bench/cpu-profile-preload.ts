/**
 * Preloaded into the API by `BENCH_CPU_PROF=1 npm run bench:http` (`node -r …/cpu-profile-preload.js`):
 * SIGWINCH starts the V8 CPU profiler (Nest's shutdown hooks own SIGUSR2), the next one writes
 * `<RDM_CPU_PROFILE_DIR>/api-<n>.cpuprofile` (n = 1, 2, …), and so on.
 * (`--cpu-prof` only writes on a clean exit, which a signal-terminated Nest app does not do.)
 */
import * as fs from 'node:fs';
import { Session } from 'node:inspector';
import * as path from 'node:path';

const dir = process.env.RDM_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let profiling = false;
  let written = 0;
  process.on('SIGWINCH', () => {
    if (!profiling) {
      profiling = true;
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')),
      );
      return;
    }
    profiling = false;
    session.post('Profiler.stop', (error, result) => {
      if (error) return console.error(`cpu profile: ${error.message}`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `api-${++written}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
