// Stands in for `wsl-utils` in the bundle (scripts/bundle.mjs). oclif imports
// it at every start to name the platform ("wsl" or os.platform()), and on
// Windows for PowerShell's path; the real module loads node:child_process at
// its top level (promisify(execFile)), a noticeable part of a start in the TCG
// guest. The WSL answer is is-wsl's, as in the real module.
import isWsl from 'is-wsl';

export { isWsl };

export async function powerShellPath() {
  throw new Error('mutexctl runs on Linux only: no PowerShell');
}
