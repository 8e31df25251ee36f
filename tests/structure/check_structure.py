#!/usr/bin/env python3
"""The shape README.md promises for src/: no function over 80 lines, no include cycles
between folders, torch only under src/capture/torchscript/.

usage: check_structure.py REPO_ROOT        (exit 0 when all hold; each finding on a line)
"""
import collections
import glob
import os
import re
import sys

MAX_FUNCTION_LINES = 80
TORCH_FOLDER = 'capture/torchscript'


def code_of(path):
    """The file with comments and string/char literals blanked, lines kept."""
    text = open(path, encoding='utf-8').read()
    text = re.sub(r'R"([^(]*)\((.*?)\)\1"', lambda m: '""' + '\n' * m.group(0).count('\n'), text, flags=re.S)
    text = re.sub(r'//[^\n]*', '', text)
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), text, flags=re.S)
    text = re.sub(r'"([^"\\\n]|\\.)*"', '""', text)
    return re.sub(r"'([^'\\\n]|\\.)*'", "''", text)


def long_functions(path):
    """(start line, length) of each function body, lambdas included, over the limit."""
    control = re.compile(r'\b(if|for|while|switch|catch)\s*\(|\b(else|do|try)\s*$')
    found, stack, sig, line = [], [], '', 1
    for ch in code_of(path):
        if ch == '\n':
            line += 1
            sig += ' '
        elif ch == '{':
            s = sig.strip()
            is_function = ')' in s and not control.search(s) and not re.search(r'\b(namespace|struct|class|enum|union)\b[^()]*$', s)
            stack.append((is_function, line))
            sig = ''
        elif ch in '};':
            if ch == '}' and stack:
                is_function, start = stack.pop()
                if is_function and line - start + 1 > MAX_FUNCTION_LINES:
                    found.append((start, line - start + 1))
            sig = ''
        else:
            sig += ch
    return found


def header_homes(root):
    """Public header -> the src/ folder that defines its functions (none: types only)."""
    defined = collections.defaultdict(set)  # function name -> folders
    for cpp in glob.glob(os.path.join(root, 'src/**/*.cpp'), recursive=True):
        folder = os.path.relpath(os.path.dirname(cpp), os.path.join(root, 'src'))
        for name in re.findall(r'^[\w:<>,*& ]*?\b(?:\w+::)*(\w+)\([^;]*?\)\s*(?:const\s*)?(?:noexcept\s*)?\{',
                               code_of(cpp), flags=re.M | re.S):
            defined[name].add(folder)
    homes = {}
    for header in glob.glob(os.path.join(root, 'include/attnviz/**/*.h'), recursive=True):
        rel = os.path.relpath(header, os.path.join(root, 'include'))
        folders = collections.Counter()
        for name in re.findall(r'\b(\w+)\(', code_of(header)):
            for f in defined.get(name, ()):
                folders[f] += 1
        if folders:
            homes[rel] = folders.most_common(1)[0][0]
    return homes


def folder_edges(root):
    src = os.path.join(root, 'src')
    homes = header_homes(root)
    edges = collections.defaultdict(set)
    for f in glob.glob(os.path.join(src, '**/*.[ch]*'), recursive=True):
        folder = os.path.relpath(os.path.dirname(f), src)
        for inc in re.findall(r'#include "([^"]+)"', open(f, encoding='utf-8').read()):
            if inc.startswith('attnviz/'):
                target = homes.get(inc)
            elif inc.startswith('../'):
                target = os.path.relpath(os.path.dirname(os.path.normpath(os.path.join(os.path.dirname(f), inc))), src)
            else:
                continue
            if target and target != folder:
                edges[folder].add(target)
    return edges


def find_cycle(edges):
    state = {}

    def visit(node, path):
        state[node] = 'open'
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 'open':
                return path + [node, nxt]
            if nxt not in state:
                cycle = visit(nxt, path + [node])
                if cycle:
                    return cycle
        state[node] = 'done'
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node, [])
            if cycle:
                return cycle
    return None


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else '.')
    problems = []
    for path in sorted(glob.glob(os.path.join(root, 'src/**/*.[ch]*'), recursive=True)):
        rel = os.path.relpath(path, root)
        for start, length in long_functions(path):
            problems.append(f'{rel}:{start}: a function of {length} lines (at most {MAX_FUNCTION_LINES})')
        if not rel.startswith(os.path.join('src', TORCH_FOLDER) + '/'):
            for inc in re.findall(r'#include <((?:torch|ATen|c10)/[^>]+)>', open(path, encoding='utf-8').read()):
                problems.append(f'{rel}: includes <{inc}> outside src/{TORCH_FOLDER}/')
    for path in glob.glob(os.path.join(root, 'include/**/*.h'), recursive=True):
        if re.search(r'#include <(torch|ATen|c10)/', open(path, encoding='utf-8').read()):
            problems.append(f'{os.path.relpath(path, root)}: a public header includes torch')
    edges = folder_edges(root)
    cycle = find_cycle(edges)
    if cycle:
        problems.append('include cycle between src/ folders: ' + ' -> '.join(cycle))
    for p in problems:
        print(p)
    if '-v' in sys.argv:
        for folder in sorted(edges):
            print(f'{folder:20s} -> {", ".join(sorted(edges[folder]))}')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
