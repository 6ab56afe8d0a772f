#!/usr/bin/env bash
# Print the MariaDB option tables of src/mysql/options.rs as Rust, read from
# the installed clients' own my_option arrays (the binaries' .data section:
# struct my_option is 112 bytes on x86-64; names and flags are exact,
# including options whose help text is empty and so not listed by --help).
# Each client's array is printed as the part before its SSL block
# (`--ssl` .. `--ssl-verify-server-cert`, from sslopt-longopts.h) and the
# part after it; the SSL block, which must be the same in every client, is
# printed once, as MARIADB_SSL.
# Usage: bash scripts/gen-mysql-options.sh > /tmp/tables.rs   (x86-64 ELF, python3)
# then rustfmt --edition 2021 the result (it aligns the comments).
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for c in mariadb mariadb-dump mariadb-admin mariadb-show mariadb-check mariadb-import; do
  bin=$(command -v "$c") || { echo "missing $c" >&2; exit 1; }
  python3 - "$bin" "$c" "$tmp/ssl.$c" <<'PY'
import struct, sys
GET = {1:'NO_ARG',2:'BOOL',3:'INT',4:'UINT',5:'LONG',6:'ULONG',7:'LL',8:'ULL',9:'STR',10:'STR_ALLOC',11:'DISABLED',12:'ENUM',13:'SET',14:'DOUBLE',15:'FLAGSET',16:'BIT'}
path, prog, ssl_out = sys.argv[1], sys.argv[2], sys.argv[3]
d = open(path, 'rb').read()
shoff, = struct.unpack_from('<Q', d, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', d, 0x3a)
secs = []
for i in range(shnum):
    n, t, fl, addr, off, size = struct.unpack_from('<IIQQQQ', d, shoff + i * shentsize)
    secs.append([n, t, addr, off, size])
stro = secs[shstrndx][3]
for s in secs:
    s[0] = d[stro + s[0]:d.index(b'\0', stro + s[0])].decode()
rel = {}
for s in secs:
    if s[1] == 4:
        for o in range(s[3], s[3] + s[4], 24):
            off, info, add = struct.unpack_from('<QQq', d, o)
            if info & 0xffffffff == 8:
                rel[off] = add
def sec(a):
    for s in secs:
        if s[2] and s[2] <= a < s[2] + s[4] and s[1] != 8:
            return s
def cstr(a):
    s = sec(a)
    if not s or s[0] != '.rodata': return None
    o = s[3] + a - s[2]
    try: return d[o:d.index(b'\0', o)].decode()
    except UnicodeDecodeError: return None
def rec(a):
    s = sec(a)
    f = struct.unpack_from('<QiiQQQQQIi', d, s[3] + a - s[2])
    return (cstr(rel[a]) if a in rel else None, f[1], (a + 16) in rel, f[7] & 63, f[8])
def ok(a):
    if a not in rel: return False
    n, i, _, vt, at = rec(a)
    return bool(n) and n.replace('-', '').replace('_', '').isalnum() and vt in GET and at in (0, 1, 2) and -1 <= i < 100000
best = []
for s in secs:
    if s[0] not in ('.data', '.data.rel.ro'): continue
    a = s[2]
    while a < s[2] + s[4]:
        run, b = [], a
        while ok(b):
            run.append(rec(b)); b += 112
        if len(run) > len(best): best = run
        a += 8
def line(n, i, shown, vt, at):
    short = "Some('%s')" % chr(i) if 32 < i < 127 else 'None'
    if GET[vt] == 'BOOL' and at != 2: arg = 'Bool'
    elif at == 0: arg = 'None'
    elif at == 1: arg = 'Optional'
    else: arg = 'Required'
    note = '' if shown else ' // hidden: no help text'
    return '    o("%s", %s, Arg::%s), // GET_%s %s%s' % (n.replace('_', '-'), short, arg, GET[vt], ['NO_ARG', 'OPT_ARG', 'REQUIRED_ARG'][at], note)
names = [r[0].replace('_', '-') for r in best]
if 'ssl' not in names or 'ssl-verify-server-cert' not in names or names.index('ssl') > names.index('ssl-verify-server-cert'):
    sys.exit('%s: no --ssl .. --ssl-verify-server-cert block' % prog)
start, end = names.index('ssl'), names.index('ssl-verify-server-cert') + 1
name = 'MARIADB_%s' % prog.upper().replace('-', '_')
for part, recs, where in (('BEFORE_SSL', best[:start], 'before'), ('AFTER_SSL', best[end:], 'after')):
    print('/// `%s`: the options %s MARIADB_SSL.' % (prog, where))
    print('const %s_%s: &[OptDef] = &[' % (name, part))
    for r in recs:
        print(line(*r))
    print('];')
print('/// `%s --help`, from its my_option array.' % prog)
print('const %s: Table = Table(&[%s_BEFORE_SSL, MARIADB_SSL, %s_AFTER_SSL]);' % (name, name, name))
with open(ssl_out, 'w') as f:
    for r in best[start:end]:
        f.write(line(*r) + '\n')
PY
done
for c in mariadb-dump mariadb-admin mariadb-show mariadb-check mariadb-import; do
  cmp -s "$tmp/ssl.mariadb" "$tmp/ssl.$c" || { echo "$c: its SSL block differs from mariadb's" >&2; exit 1; }
done
echo '/// The SSL options of every MariaDB client (`sslopt-longopts.h`; the same'
echo '/// in all six arrays).'
echo 'const MARIADB_SSL: &[OptDef] = &['
cat "$tmp/ssl.mariadb"
echo '];'
