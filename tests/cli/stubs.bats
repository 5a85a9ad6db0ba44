#!/usr/bin/env bats
# The programs whose issues have not landed say so and fail; they never pretend to work.
# (esp-tun has landed: tests/cli/esp-tun.bats.)

bats_load_library bats-support
bats_load_library bats-assert

setup() {
	IKEKIT_BIN=${IKEKIT_BIN:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build/bin}
}

@test "unimplemented programs fail with 'not yet implemented' and exit 1" {
	for p in ike-rekey; do
		run "$IKEKIT_BIN/$p" --peer 192.0.2.2
		assert_failure 1
		assert_output "$p: not yet implemented"
	done
}

@test "unimplemented programs answer --help on stdout with exit 0" {
	for p in ike-rekey; do
		run "$IKEKIT_BIN/$p" --help
		assert_success
		assert_output --partial "not yet implemented"
	done
}

@test "esp-tun is no stub any more: it asks for its SA instead" {
	run "$IKEKIT_BIN/esp-tun" --help
	assert_success
	refute_output --partial "not yet implemented"
	assert_line --index 0 --partial "usage: esp-tun --sa"
	run "$IKEKIT_BIN/esp-tun"
	assert_failure 2
	assert_line --index 0 "esp-tun: --sa is required"
}
