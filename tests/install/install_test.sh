#!/bin/bash
# The packaging tests (tests/install/CMakeLists.txt runs each step as one
# ctest test). Every step checks the *installed* tree, never the build tree:
#   install BUILD PREFIX          cmake --install into a fresh PREFIX; every file is there
#   find-package PREFIX WORK      build and run tests/install/consumer with find_package(sealkit)
#   pkg-config PREFIX WORK        build and run the same sources with pkg-config alone
#   run-preload PREFIX            the installed `sealkit run` uses the installed preload
#   man-pages PREFIX              sealkit(1) and sealkit(3) render without warnings and
#                                 name every command and C function
#   bash-completion PREFIX        the completion loads and completes commands and options
# Exit status 0: passed; 1: failed (with one line saying why); 77: skipped.
set -u
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
step=$1
shift

fail() {
    echo "FAILED: $*" >&2
    exit 1
}
skip() {
    echo "SKIPPED: $*" >&2
    exit 77
}
# The install's library directory (lib, lib64 or lib/<multiarch>).
libdir_of() {
    local pc
    pc=$(find "$1" -name sealkit.pc -path '*/pkgconfig/*' | head -n 1)
    [[ -n $pc ]] || fail "no sealkit.pc under $1"
    dirname "$(dirname "$pc")"
}

if [[ ${SEALKIT_INSTALL_TEST_SANITIZED:-} == 1 && ( $step == find-package || $step == pkg-config ) ]]; then
    skip "this build has SEALKIT_SANITIZE=ON: a consumer would need the same sanitizer flags"
fi

case $step in
install)
    build=$1 prefix=$2
    rm -rf "$prefix"
    cmake --install "$build" --prefix "$prefix" >/dev/null || fail "cmake --install $build --prefix $prefix"
    libdir=$(libdir_of "$prefix")
    for file in bin/sealkit "${libdir#"$prefix"/}"/{libsealkit.so,libsealkit.a,libsealkit-preload.so,libsealkit-autoseal.a} \
        "${libdir#"$prefix"/}"/pkgconfig/{sealkit.pc,sealkit-autoseal.pc} \
        "${libdir#"$prefix"/}"/cmake/sealkit/{sealkitConfig.cmake,sealkitConfigVersion.cmake,sealkitTargets.cmake} \
        include/sealkit/{sealkit.h,sealkit.hpp,protected_memory.h,protected_memory.hpp,sealed_arena.h,sealed_arena.hpp,lockdown.h} \
        share/man/man1/sealkit.1 share/man/man3/sealkit.3 share/bash-completion/completions/sealkit; do
        [[ -e $prefix/$file ]] || fail "$file was not installed into $prefix"
    done
    # Installed headers must not reach into the source tree's private headers.
    if grep -l '#include "\(system\|startup\|backend\|procfs\)/' "$prefix"/include/sealkit/*; then
        fail "an installed header includes a private header"
    fi
    echo "installed into $prefix"
    ;;

find-package)
    prefix=$1 work=$2/find-package
    rm -rf "$work" && mkdir -p "$work"
    cmake -S "$here/consumer" -B "$work" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF >"$work.log" 2>&1 ||
        { cat "$work.log"; fail "configuring the consumer with find_package(sealkit)"; }
    found=$(sed -n 's/^sealkit_DIR:PATH=//p' "$work/CMakeCache.txt")
    [[ $found == "$prefix"/* ]] || fail "find_package found sealkit in '$found', not in $prefix"
    cmake --build "$work" >>"$work.log" 2>&1 || { cat "$work.log"; fail "building the consumer"; }
    libdir=$(libdir_of "$prefix")
    ldd "$work/seal_table" | grep -q "=> $libdir/libsealkit.so" ||
        fail "seal_table does not use $libdir/libsealkit.so: $(ldd "$work/seal_table")"
    "$work/seal_table" || fail "seal_table (find_package)"
    "$work/autoseal_service" || fail "autoseal_service (find_package)"
    # The negative control: the same C++ program without sealkit::autoseal is not sealed at main.
    c++ -std=c++20 -o "$work/unsealed_service" "$here/consumer/autoseal_service.cpp" -I"$prefix/include" \
        -L"$libdir" -lsealkit -Wl,-rpath,"$libdir" || fail "building the control"
    if "$work/unsealed_service" 2>/dev/null; then fail "the control without autoseal was sealed: the check proves nothing"; fi
    ;;

pkg-config)
    prefix=$1 work=$2/pkg-config
    command -v pkg-config >/dev/null || skip "pkg-config is not installed"
    rm -rf "$work" && mkdir -p "$work"
    libdir=$(libdir_of "$prefix")
    export PKG_CONFIG_PATH=$libdir/pkgconfig PKG_CONFIG_LIBDIR=$libdir/pkgconfig
    [[ $(pkg-config --modversion sealkit) == "$(cd "$prefix" && bin/sealkit --version | cut -d' ' -f2)" ]] ||
        fail "sealkit.pc's version differs from sealkit --version"
    cc -o "$work/seal_table" "$here/consumer/seal_table.c" $(pkg-config --cflags --libs sealkit) \
        -Wl,-rpath,"$(pkg-config --variable=libdir sealkit)" || fail "building seal_table with pkg-config"
    c++ -std=c++20 -o "$work/autoseal_service" "$here/consumer/autoseal_service.cpp" \
        $(pkg-config --cflags --libs sealkit-autoseal sealkit) -Wl,-rpath,"$(pkg-config --variable=libdir sealkit)" ||
        fail "building autoseal_service with pkg-config"
    "$work/seal_table" || fail "seal_table (pkg-config)"
    "$work/autoseal_service" || fail "autoseal_service (pkg-config)"
    # A static program: libsealkit.a and the autoseal archive in one link
    # (every core symbol of the archive is local, so nothing is defined twice).
    cc -static -o "$work/seal_table_static" "$here/consumer/seal_table.c" \
        $(pkg-config --cflags --libs --static sealkit-autoseal) -Wl,-Bstatic $(pkg-config --libs sealkit) ||
        fail "linking a static program with libsealkit.a and libsealkit-autoseal.a"
    "$work/seal_table_static" || fail "seal_table_static"
    ;;

run-preload)
    prefix=$1
    libdir=$(libdir_of "$prefix")
    used=$(env -u SEALKIT_PRELOAD_PATH -u LD_PRELOAD "$prefix/bin/sealkit" run -- /usr/bin/env | sed -n 's/^LD_PRELOAD=//p')
    [[ $used == "$(realpath "$libdir/libsealkit-preload.so")" ]] ||
        fail "the installed sealkit run preloads '$used', not $libdir/libsealkit-preload.so"
    echo "sealkit run preloads $used"
    ;;

man-pages)
    prefix=$1
    man1=$prefix/share/man/man1/sealkit.1 man3=$prefix/share/man/man3/sealkit.3
    if command -v groff >/dev/null; then
        for page in "$man1" "$man3"; do
            warnings=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1)
            [[ -z $warnings ]] || fail "$page renders with warnings: $warnings"
        done
    elif command -v man >/dev/null; then
        for page in "$man1" "$man3"; do
            warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
            [[ -z $warnings ]] || fail "$page renders with warnings: $warnings"
        done
    else
        skip "neither groff nor man is installed"
    fi
    # sealkit(3) names every exported function of the installed headers.
    for function in $(sed -n 's/^SEALKIT_API [^(]*[ *]\(sealkit_[a-z_]*\)(.*/\1/p' "$prefix"/include/sealkit/*.h); do
        grep -q "$function" "$man3" || fail "sealkit(3) does not describe $function"
    done
    # sealkit(1) has a section for every command.
    for command in check status run audit help; do
        grep -q "^\.SS \"sealkit $command" "$man1" || fail "sealkit(1) has no section for sealkit $command"
    done
    ;;

bash-completion)
    prefix=$1
    file=$prefix/share/bash-completion/completions/sealkit
    bash -c "source '$file' && complete -p sealkit" | grep -q -- '-F _sealkit sealkit' ||
        fail "sourcing $file does not register a completion for sealkit"
    # What a user gets for a few half-typed command lines.
    expect() {
        local want=$1
        shift
        local got
        got=$(bash -c 'source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _sealkit; echo "${COMPREPLY[*]}"' "$file" "$@")
        [[ " $got " == *" $want "* ]] || fail "completing '$*' gave '$got', without '$want'"
    }
    expect status sealkit st
    expect audit sealkit ""
    expect help sealkit he
    expect --json sealkit check --
    expect --all sealkit status --a
    expect --no-color sealkit status --no
    expect prometheus sealkit status --format = ""
    expect images sealkit status --require ""
    expect --enforce sealkit run --en
    expect json sealkit run --report-format ""
    expect strict sealkit run --relro ""
    expect -r sealkit audit -
    expect run sealkit help r
    expect self sealkit status ""
    echo "completion loads and completes"
    ;;

*)
    fail "unknown step '$step'"
    ;;
esac
