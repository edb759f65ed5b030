# Source this file: puts Node.js 24 first on PATH when the machine's node is older.
# The runners run our actions on Node 24; tests and bundles must too, and on an older
# node npm would quietly resolve older majors of ESM-only packages.
# Node 24 comes from the npm registry's `node@24` package, kept under .tools/ (git-ignored).
_wcd_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_wcd_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_wcd_major node)" -lt 24 ]; then
  _wcd_bin="$_wcd_root/.tools/node24/node_modules/node/bin"
  if [ "$(_wcd_major "$_wcd_bin/node")" -lt 24 ]; then
    echo "node $(node --version 2>/dev/null || echo none) is older than 24: installing node@24 from the npm registry into .tools/node24" >&2
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$_wcd_root/.tools/node24" node@24 >&2 || return 1
  fi
  if [ "$(_wcd_major "$_wcd_bin/node")" -lt 24 ]; then
    echo "could not obtain Node 24 (looked in $_wcd_bin); install Node 24 and try again" >&2
    return 1
  fi
  export PATH="$_wcd_bin:$PATH"
fi
# jest runs our TypeScript as native ESM, which needs vm modules (also for a bare `npx jest`).
case " ${NODE_OPTIONS:-} " in *" --experimental-vm-modules "*) ;; *) export NODE_OPTIONS="--experimental-vm-modules ${NODE_OPTIONS:-}" ;; esac
echo "using node $(node --version) from $(command -v node)" >&2
unset -f _wcd_major; unset _wcd_root _wcd_bin
