/* SPDX-License-Identifier: ISC */
/* Tests of the bounded reader and writer. */
#include "buf/buf.h"
#include "test.h"

TEST(rd_reads_network_order)
{
	static const uint8_t b[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	struct rd r = rd_init(b, sizeof(b));
	uint8_t u8; uint16_t u16; uint32_t u24, u32; uint64_t u64;

	ASSERT(rd_u8(&r, &u8) && u8 == 1);
	ASSERT(rd_u16(&r, &u16) && u16 == 0x0203);
	ASSERT(rd_u24(&r, &u24) && u24 == 0x040506);
	ASSERT(rd_u32(&r, &u32) && u32 == 0x0708090a);
	ASSERT(!rd_u64(&r, &u64));
	ASSERT_EQ(r.len, 5);
	ASSERT(rd_u32(&r, &u32) && u32 == 0x0b0c0d0e);
	ASSERT_EQ(r.len, 1);
}

TEST(rd_failure_changes_nothing)
{
	static const uint8_t b[] = { 0xaa, 0xbb, 0xcc };
	struct rd r = rd_init(b, sizeof(b)), sub = { NULL, 0 };
	uint32_t v = 7;

	ASSERT(!rd_u32(&r, &v));
	ASSERT_EQ(v, 7);
	ASSERT(!rd_split(&r, &sub, 4));
	ASSERT(sub.p == NULL);
	ASSERT_EQ(r.len, 3);
	ASSERT(!rd_skip(&r, 4));
	ASSERT(rd_split(&r, &sub, 2) && sub.len == 2 && sub.p[1] == 0xbb);
	ASSERT(!rd_sub(&r, &sub, 1, 1));
	ASSERT(rd_sub(&r, &sub, 0, 1) && sub.p[0] == 0xcc);
	ASSERT_EQ(r.len, 1);
}

TEST(wr_sticky_overflow)
{
	uint8_t b[6];
	struct wr w = wr_init(b, sizeof(b));
	size_t hole;

	hole = wr_hole(&w, 2);
	wr_u32(&w, 0xdeadbeef);
	wr_u16_at(&w, hole, 0x1234);
	ASSERT(wr_ok(&w));
	ASSERT_MEM(b, "\x12\x34\xde\xad\xbe\xef", 6);
	wr_u8(&w, 1);
	ASSERT(!wr_ok(&w));
	ASSERT_EQ(w.len, 6);
	wr_u8(&w, 1);
	ASSERT_EQ(w.len, 6);
}

TEST(wr_at_past_end_fails)
{
	uint8_t b[8];
	struct wr w = wr_init(b, sizeof(b));

	wr_u16(&w, 1);
	wr_u16_at(&w, 1, 2);
	ASSERT(!wr_ok(&w));
}
