/* bcryptprimitives.dll for Wine < 8.13, which lacks it: Rust's standard library (1.78 and
 * later) imports ProcessPrng from this DLL for its random numbers (HashMap seeds among
 * them), so secur32.dll does not load without it. ProcessPrng fills the
 * buffer from the system's preferred RNG, through bcrypt.dll's BCryptGenRandom, which every
 * Wine has. Windows 10 and later ship the real DLL: this one is for Wine prefixes only.
 *
 * Built by `make dll` (mingw-w64) into target/dll/bcryptprimitives.dll. */

#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  /* BCryptGenRandom takes a ULONG length: larger requests go in pieces. */
  while (len > 0) {
    ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
      return FALSE;
    }
    data += n;
    len -= n;
  }
  /* Windows documents that ProcessPrng always returns TRUE; a failure of the system RNG
   * here is reported instead of handing out unfilled memory. */
  return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved);

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved) {
  (void)instance;
  (void)reason;
  (void)reserved;
  return TRUE;
}
