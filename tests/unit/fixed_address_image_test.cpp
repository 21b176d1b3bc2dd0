// fixed_address_image(): the span of a non-PIE executable, nothing for a
// position-independent one. This test binary is PIE (the toolchain's
// default), so its answer is {0, 0}; the non-PIE side is exercised by
// tests/cli/run_exec_chain_test.cpp (nonpie_exec_chain, built -no-pie),
// whose seccomp cases fail when the span is not found.
#include <gtest/gtest.h>
#include <link.h>

#include "seccomp/fixed_address_image.h"

namespace {

int first_object_bias(struct dl_phdr_info *info, size_t, void *context) {
    *static_cast<ElfW(Addr) *>(context) = info->dlpi_addr;
    return 1;
}

TEST(FixedAddressImage, APositionIndependentExecutableHasNone) {
    ElfW(Addr) bias = 0;
    dl_iterate_phdr(first_object_bias, &bias);
    if (bias == 0) GTEST_SKIP() << "this test binary was built non-PIE";
    const sealkit::seccomp::address_range span = sealkit::seccomp::fixed_address_image();
    EXPECT_EQ(span.start, 0u);
    EXPECT_EQ(span.end, 0u);
}

}  // namespace
