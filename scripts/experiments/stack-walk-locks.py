#!/usr/bin/env python3
"""What V8's signal-safe stack walk can reach in a Node binary that locks or
allocates (docs/design.md, "Locks the stack walk can meet").

  scripts/experiments/stack-walk-locks.py [path/to/node]      (default: the node on PATH)

Follows direct calls and tail calls from v8::Isolate::GetStackSample through
the binary's symbols (objdump, one function at a time), with the frame
classes' virtual type(), ComputeCallerState() and GetCallerStackPointer() as
extra roots, and prints each call to a mutex or an allocator with one path to
it. Which branch leads there, and under which flags, is read in the
disassembly of the printed functions (objdump -d --start-address=...)."""
import collections
import re
import shutil
import subprocess
import sys

binary = sys.argv[1] if len(sys.argv) > 1 else shutil.which('node')
ROOT = 'v8::Isolate::GetStackSample(v8::RegisterState const&, void**, unsigned long, v8::SampleInfo*)'
VIRTUALS = re.compile(r'v8::internal::\w*Frame::(ComputeCallerState|GetCallerStackPointer)\(|v8::internal::\w*Frame::type\(\) const')
LOCKS = re.compile(r'Mutex::Lock|Mutex::TryLock|MutexGuard|SharedMutex|LockShared|LockExclusive|pthread_mutex_lock|pthread_rwlock|malloc|operator new|calloc|realloc')
# Error paths: printing and aborting are not the walk.
SKIP = re.compile(r'PrintF|V8_Fatal|FatalProcessOutOfMemory|OS::Abort|DumpBacktrace|ostream')

symbols = {}
by_name = collections.defaultdict(list)
listing = subprocess.run(['nm', '-C', '--defined-only', '-S', binary], capture_output=True, text=True, check=True).stdout
for line in listing.splitlines():
    match = re.match(r'([0-9a-f]+) ([0-9a-f]+) [tTwW] (.*)', line)
    if match:
        address, size, name = int(match.group(1), 16), int(match.group(2), 16), match.group(3)
        symbols[address] = (size, name)
        by_name[name].append(address)


def calls(address):
    size, _ = symbols[address]
    text = subprocess.run(['objdump', '-d', '--no-show-raw-insn', '-C', f'--start-address={address:#x}',
                           f'--stop-address={address + size:#x}', binary], capture_output=True, text=True).stdout
    for match in re.finditer(r'\t(?:call|jmp)\s+([0-9a-f]+) <([^>]*)>', text):
        target = int(match.group(1), 16)
        if not address <= target < address + size:
            yield target, match.group(2)


def short(name):
    return re.sub(r'\((?!anonymous).*$', '', name.replace('(anonymous namespace)', 'anon'))


parent = {}
queue = collections.deque()
for name, addresses in by_name.items():
    if name == ROOT or VIRTUALS.search(name):
        for address in addresses:
            parent[address] = None
            queue.append(address)
found = []
while queue:
    address = queue.popleft()
    for target, label in calls(address):
        name = symbols[target][1] if target in symbols else label
        if LOCKS.search(name):
            found.append((short(name), address))
        elif '@plt' not in label and target in symbols and target not in parent and not SKIP.search(name):
            parent[target] = address
            queue.append(target)


def path(address):
    names = []
    while address is not None:
        names.append(short(symbols[address][1]))
        address = parent[address]
    return ' <- '.join(names)


print(f'{binary}: {len(parent)} functions reachable')
for name, address in sorted(set(found), key=lambda item: path(item[1])):
    print(f'{name}  in  {path(address)}')
