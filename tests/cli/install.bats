#!/usr/bin/env bats
# make install puts every program, man page and completion where PREFIX and
# DESTDIR say, and nothing else.

bats_load_library bats-support
bats_load_library bats-assert

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
}

@test "make install DESTDIR=... PREFIX=/usr installs programs, man pages, completions" {
	run make -s -C "$TOP" B="${B:-build}" install DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/usr
	assert_success
	cd "$BATS_TEST_TMPDIR/root"
	run find . -type f
	for p in ike-initiate ike-respond ike-rekey esp-tun ike-decode; do
		assert_line "./usr/bin/$p"
		[ -x "usr/bin/$p" ]
	done
	assert_line ./usr/share/man/man1/ike-decode.1
	assert_line ./usr/share/man/man5/ike-state.5
	assert_line ./usr/share/bash-completion/completions/ike-decode
	assert_line ./usr/share/zsh/site-functions/_ike-decode
	run usr/bin/ike-decode --help
	assert_success
}
