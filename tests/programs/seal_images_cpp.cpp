// seal_images_cpp: the C++ twin of sealkit_seal_images (sealkit.hpp) used
// as a program would, against libsealkit.so. Seals its own images with the
// flags named by argv[1] ("defaults" or "relro-file"), then calls again
// with skip_sealed, and prints "NAME VALUE" lines:
//   error none|ERRNO-NAME        the first call's std::error_code
//   function-not-supported 0|1   error == std::errc::function_not_supported
//   images-sealed N              report.images_sealed
//   own-bytes N                  bytes sealed of the report_images() entry
//                                that holds main
//   relro-moved 0|1              any entry's RELRO moved to anonymous memory
//   text-sealed 0|1              sealkit::is_sealed of main's page
//   mprotect-text refused|allowed
//   again none|ERRNO-NAME        the second call (skip_sealed)
//   again-own-skip N             its skip_reason for the entry that holds main
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "sealkit/sealkit.hpp"

namespace {

const char *name_of(std::error_code ec) { return ec ? strerrorname_np(ec.value()) : "none"; }

const sealkit_image_report *entry_holding(const sealkit_report &report, unsigned long address) {
    for (const sealkit_image_report &image : sealkit::report_images(report))
        if (image.start <= address && address < image.end) return &image;
    return nullptr;
}

}  // namespace

int main(int argc, char **argv) {
    const std::string_view mode = argc > 1 ? argv[1] : "defaults";
    const auto flags = mode == "relro-file" ? sealkit::image_flags::relro_file : sealkit::image_flags::defaults;
    const unsigned long page = static_cast<unsigned long>(sysconf(_SC_PAGESIZE));
    const unsigned long here = reinterpret_cast<unsigned long>(&main);
    void *text = reinterpret_cast<void *>(here & ~(page - 1));

    sealkit_report report{};
    std::error_code ec = sealkit::seal_images(flags, report);
    std::printf("error %s\n", name_of(ec));
    std::printf("function-not-supported %d\n", ec == std::errc::function_not_supported ? 1 : 0);
    std::printf("images-sealed %u\n", report.images_sealed);
    const sealkit_image_report *own = entry_holding(report, here);
    std::printf("own-bytes %lu\n", own ? own->bytes_sealed : 0ul);
    int moved = 0;
    for (const sealkit_image_report &image : sealkit::report_images(report)) moved |= image.relro_moved;
    std::printf("relro-moved %d\n", moved);
    std::error_code query;
    std::printf("text-sealed %d\n", sealkit::is_sealed(text, page, query) ? 1 : 0);
    int error = mprotect(text, page, PROT_READ | PROT_WRITE | PROT_EXEC) == 0 ? 0 : errno;
    if (error == 0) mprotect(text, page, PROT_READ | PROT_EXEC);
    std::printf("mprotect-text %s\n", error == EPERM ? "refused" : error == 0 ? "allowed" : strerror(error));

    sealkit_report again{};
    std::error_code second = sealkit::seal_images(flags | sealkit::image_flags::skip_sealed, again);
    std::printf("again %s\n", name_of(second));
    const sealkit_image_report *own_again = entry_holding(again, here);
    std::printf("again-own-skip %d\n", own_again ? own_again->skip_reason : -1);
    return 0;
}
