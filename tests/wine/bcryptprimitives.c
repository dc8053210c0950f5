/* A stand-in for Windows' bcryptprimitives.dll, for running assure.exe under Wine in CI
 * only (never shipped). Rust's standard library gets random bytes (for HashMap seeds)
 * from ProcessPrng in bcryptprimitives.dll, which Debian's Wine 8 does not provide;
 * this forwards it to SystemFunction036 (RtlGenRandom) in advapi32, which Wine has.
 * Built by .ci/run with x86_64-w64-mingw32-gcc and placed beside assure.exe. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a 32-bit length: fill larger requests in pieces. */
    while (length > 0) {
        ULONG piece = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, piece))
            return FALSE;
        data += piece;
        length -= piece;
    }
    return TRUE;
}
