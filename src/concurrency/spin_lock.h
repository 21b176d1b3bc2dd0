// A lock for short critical sections in code that runs inside arbitrary C
// programs: a word and an atomic exchange, no allocation, no libpthread
// symbol, usable from constructors before main. Contended waiters yield.
#pragma once

#include <sched.h>

namespace sealkit {

class spin_lock_guard {
public:
    explicit spin_lock_guard(int &word) : word_(word) {
        while (__atomic_exchange_n(&word_, 1, __ATOMIC_ACQUIRE)) sched_yield();
    }
    ~spin_lock_guard() { __atomic_store_n(&word_, 0, __ATOMIC_RELEASE); }
    spin_lock_guard(const spin_lock_guard &) = delete;
    spin_lock_guard &operator=(const spin_lock_guard &) = delete;

private:
    int &word_;
};

}  // namespace sealkit
