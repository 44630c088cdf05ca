#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-layers.py BUILD LAYER=DEP,DEP ...: the layering rules of daemon/
(DESIGN.md section 1, docs/design.md), checked on the sources and on the
built objects. The layer table comes from the Makefile (LAYER_DEPS_*), so
the link check and this script cannot disagree.

  1. includes: a file of layer L includes only headers of L and of the
     layers L may use, always spelled with their folder ("kernel/loop.h");
     a bare name is allowed only for include/ and generated headers;
  2. headers: every non-static function X.c defines is declared in X.h;
  3. calls: a module calls only modules of its own layer or of layers below,
     and no two modules call each other, directly or round a cycle (callbacks
     a higher module registers are how news travels up).

Exit 1 with one line per violation."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DAEMON = os.path.join(ROOT, 'daemon')
SPECIAL = {'control/protocol': 'protocol'}   # module -> layer, where not its folder


def layer_of(module):
    """'kernel/loop' -> 'kernel'; main -> None (the top)."""
    if module in SPECIAL:
        return SPECIAL[module]
    return module.split('/')[0] if '/' in module else None


def modules():
    for folder in sorted(os.listdir(DAEMON)):
        d = os.path.join(DAEMON, folder)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if f.endswith('.c'):
                yield folder + '/' + f[:-2]


def allowed(layer, deps, other):
    return other == layer or other in deps.get(layer, ())


def check_includes(deps, errors):
    bare_ok = set(os.listdir(os.path.join(ROOT, 'include'))) | {'leak.skel.h', 'cgstat.skel.h'}
    inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
    for folder in sorted(os.listdir(DAEMON)):
        d = os.path.join(DAEMON, folder)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if not f.endswith(('.c', '.h')):
                continue
            mod = folder + '/' + f[:-2]
            layer = layer_of(mod)
            text = open(os.path.join(d, f)).read()
            for name in inc.findall(text):
                if '/' not in name:
                    if name not in bare_ok:
                        errors.append(f'daemon/{mod}{f[-2:]}: #include "{name}" must name its folder')
                    continue
                target = name[:-2]
                tl = layer_of(target)
                if not allowed(layer, deps, tl):
                    errors.append(f'daemon/{mod}{f[-2:]}: includes "{name}": layer {layer} may not use {tl}')


def nm(obj):
    out = subprocess.run(['nm', obj], capture_output=True, text=True, check=True).stdout
    defined, undefined = [], []
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in 'TDBR':
            defined.append((p[1], p[2]))
        elif len(p) == 2 and p[0] == 'U':
            undefined.append(p[1])
    return defined, undefined


def check_objects(build, deps, errors):
    owner, uses, funcs = {}, {}, {}
    for mod in modules():
        obj = os.path.join(build, 'obj', mod + '.o')
        if not os.path.exists(obj):
            errors.append(f'{obj}: not built')
            continue
        defined, undefined = nm(obj)
        for _, sym in defined:
            owner[sym] = mod
        funcs[mod] = [s for kind, s in defined if kind == 'T']
        uses[mod] = undefined
    # 2. headers
    for mod, fs in funcs.items():
        if not fs:
            continue
        hdr = os.path.join(DAEMON, mod + '.h')
        if not os.path.exists(hdr):
            errors.append(f'daemon/{mod}.c: defines {", ".join(fs[:3])}... but has no {mod}.h')
            continue
        text = open(hdr).read()
        for f in fs:
            if not re.search(r'\b' + re.escape(f) + r'\s*\(', text):
                errors.append(f'daemon/{mod}.c: {f}() is not declared in daemon/{mod}.h')
    # 3. calls
    graph = {m: sorted({owner[s] for s in u if s in owner and owner[s] != m}) for m, u in uses.items()}
    for m, targets in graph.items():
        for t in targets:
            if not allowed(layer_of(m), deps, layer_of(t)):
                errors.append(f'daemon/{m}.c calls daemon/{t}.c: layer {layer_of(m)} may not use {layer_of(t)}')
    for scc in cycles(graph):
        errors.append('modules call each other (a cycle): ' + ', '.join(scc))


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 100
    build = sys.argv[1]
    deps = {}
    for arg in sys.argv[2:]:
        name, _, rest = arg.partition('=')
        deps[name] = [d for d in rest.split(',') if d]
    errors = []
    check_includes(deps, errors)
    check_objects(build, deps, errors)
    for e in errors:
        print('FAIL ' + e)
    if not errors:
        print(f'layers: {len(deps)} layers, includes, headers and calls ok')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
