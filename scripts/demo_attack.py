# Run by `make demo` inside /usr/bin/python3: a real program attacks itself
# the way a corrupted pointer handed to mprotect would, by asking libc's
# mprotect to make libc's own code writable and executable.
import ctypes
import ctypes.util

libc = ctypes.CDLL(None, use_errno=True)
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
with open("/proc/self/maps") as maps:
    text = next(line for line in maps if "r-xp" in line and "/libc.so" in line)
start = int(text.split("-")[0], 16)
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
result = libc.mprotect(start, 4096, PROT_READ | PROT_WRITE | PROT_EXEC)
if result == 0:
    print(f"    mprotect(libc text at {start:#x}, RWX): SUCCEEDED - libc's code is now writable")
else:
    err = ctypes.get_errno()
    print(f"    mprotect(libc text at {start:#x}, RWX): refused: {__import__('os').strerror(err)}")
