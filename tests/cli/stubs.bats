#!/usr/bin/env bats
# No stub is left: every program of the Makefile's PROGS answers --help on
# standard output (exit 0) and an unknown option with its synopsis on
# standard error (exit 2), none says "not yet implemented", and each has a
# man page and bash and zsh completions.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	read -r -a PROGS < <(sed -n 's/^PROGS[[:space:]]*:=[[:space:]]*//p' "$IKEKIT_TOP/Makefile")
	[ "${#PROGS[@]}" -ge 5 ] || fail "PROGS not found in the Makefile: ${PROGS[*]}"
}

@test "every program answers --help and -h with its synopsis on stdout, nothing on stderr, exit 0" {
	local p
	for p in "${PROGS[@]}"; do
		[ -x "$IKEKIT_BIN/$p" ] || fail "$p not built (run make)"
		run --separate-stderr "$IKEKIT_BIN/$p" --help
		assert_success
		[ -z "$stderr" ] || fail "$p --help: stderr: $stderr"
		[[ ${lines[0]} == "usage: $p "* ]] || fail "$p --help: $output"
		run --separate-stderr "$IKEKIT_BIN/$p" -h
		assert_success
		[[ ${lines[0]} == "usage: $p "* ]] || fail "$p -h: $output"
	done
}

@test "every program answers an unknown option with exit 2, its synopsis on stderr, nothing on stdout" {
	local p
	for p in "${PROGS[@]}"; do
		run --separate-stderr "$IKEKIT_BIN/$p" --no-such-option
		assert_failure 2
		[ -z "$output" ] || fail "$p: stdout: $output"
		[[ $stderr == *"unrecognized option '--no-such-option'"* ]] || fail "$p: stderr: $stderr"
		[[ $stderr == *"usage: $p "* ]] || fail "$p: stderr: $stderr"
	done
}

@test "no program is a stub: none says 'not yet implemented'" {
	local p
	for p in "${PROGS[@]}"; do
		run "$IKEKIT_BIN/$p" --help
		refute_output --partial "not yet implemented"
		run timeout 5 "$IKEKIT_BIN/$p" </dev/null
		refute_output --partial "not yet implemented"
	done
}

@test "every program has a man page and bash and zsh completions" {
	local p
	for p in "${PROGS[@]}"; do
		compgen -G "$IKEKIT_TOP/man/$p.[18]" >/dev/null || fail "$p: no man page"
		[ -f "$IKEKIT_TOP/completions/bash/$p" ] || fail "$p: no bash completion"
		[ -f "$IKEKIT_TOP/completions/zsh/_$p" ] || fail "$p: no zsh completion"
		grep -q "complete -F [_a-z]* $p\$" "$IKEKIT_TOP/completions/bash/$p" || fail "$p: bash completion not registered"
		head -1 "$IKEKIT_TOP/completions/zsh/_$p" | grep -qx "#compdef $p" || fail "$p: zsh #compdef"
	done
}
