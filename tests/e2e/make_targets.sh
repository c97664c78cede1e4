#!/usr/bin/env bash
# The Makefile as a new user meets it: 'make demo' builds quietly (no
# "Entering directory" lines, the build's log only on failure), runs, and
# ends with how to run the installed tern; 'make clean' removes every build
# folder the Makefile and its scripts make.
source "$(dirname "$0")/lib/tool.sh"
need make cmake python3
# make demo over this test's own (already built) build folder: the build
# step has nothing to compile, but every line it prints shows.
cd "$SRC"
make demo DEMO_BUILD="$BUILD" >"$WORK/demo.out" 2>&1 || { cat "$WORK/demo.out"; fail "make demo failed"; }
if grep -q 'Entering directory\|Leaving directory' "$WORK/demo.out"; then
  fail "make demo shows the build's directory noise: $(grep -m3 'directory' "$WORK/demo.out")"
fi
grep -q "^Built $BUILD/tern" "$WORK/demo.out" || fail "no build summary: $(head -5 "$WORK/demo.out")"
grep -q 'handshake complete' "$WORK/demo.out" || fail "the demo did not show the handshake"
grep -q 'sudo make install' "$WORK/demo.out" && grep -q 'PREFIX=$HOME/.local' "$WORK/demo.out" \
  || fail "the closing tip does not say how to run the installed tern: $(tail -3 "$WORK/demo.out")"
pass "make demo: quiet build, closing tip"

# make clean, run in a scratch folder holding every build folder named by
# the Makefile and the scripts it calls.
mkdir -p "$WORK/tree"
cp "$SRC/Makefile" "$WORK/tree/"
dirs=$(grep -ohE '(^|[ /"=])build(-[a-z0-9]+)?/?' "$SRC/Makefile" "$SRC"/scripts/*.sh | grep -oE 'build(-[a-z0-9]+)?' | sort -u)
[ -n "$dirs" ] || fail "no build folders found"
for d in $dirs; do mkdir -p "$WORK/tree/$d/x"; done
mkdir -p "$WORK/tree/src"
make -C "$WORK/tree" clean >/dev/null 2>&1 || fail "make clean failed"
for d in $dirs; do [ ! -e "$WORK/tree/$d" ] || fail "make clean left $d"; done
[ -d "$WORK/tree/src" ] || fail "make clean removed more than build folders"
pass "make clean removes $(echo $dirs)"
echo "make_targets: all passed"
