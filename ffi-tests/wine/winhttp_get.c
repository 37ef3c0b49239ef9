/* winhttp_get: one HTTPS GET through WinHTTP, for issue 19: under Wine, it
 * is Wine's own winhttp.dll that drives our secur32.dll (the handshake loop,
 * EncryptMessage / DecryptMessage), and Wine's crypt32 that validates the
 * server's chain, so this tests the DLL as a real caller uses it rather than
 * as our examples do. It connects to HOST PORT, sends GET PATH, writes the
 * body to stdout unchanged and its status and length to stderr.
 *
 *   x86_64-w64-mingw32-gcc -std=c11 -Wall -Wextra -Werror winhttp_get.c \
 *       -o winhttp_get.exe -lwinhttp
 *   wine64 winhttp_get.exe localhost 8443 / --tls12 > body
 *
 * --tls12 / --tls13 restrict WINHTTP_OPTION_SECURE_PROTOCOLS to that version
 * (Wine 8's WinHTTP hands TLS1_3 to Schannel as 0, the default set);
 * --ignore-unknown-ca sets SECURITY_FLAG_IGNORE_UNKNOWN_CA (add_root.c is the
 * better way: it makes the test CA a real root). Diagnostics ("status: 200",
 * "bytes: 3145728", "error: WinHttpSendRequest: 12175 (0x2f8f)") go to
 * stderr. Exit status: 0 success, 1 a WinHTTP failure, 2 usage. */
#include <windows.h>
#include <winhttp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3
#define WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3 0x00002000
#endif

static int fail(const char *function) {
  DWORD e = GetLastError();
  fprintf(stderr, "error: %s: %lu (0x%lx)\n", function, (unsigned long)e, (unsigned long)e);
  return 1;
}

/* Says why WinHttpSendRequest failed with ERROR_WINHTTP_SECURE_FAILURE. */
static void CALLBACK on_status(HINTERNET h, DWORD_PTR context, DWORD status, LPVOID info, DWORD len) {
  (void)h, (void)context;
  if (status == WINHTTP_CALLBACK_STATUS_SECURE_FAILURE && info && len >= sizeof(DWORD))
    fprintf(stderr, "secure failure flags: 0x%08lx\n", (unsigned long)*(DWORD *)info);
}

static wchar_t *widen(const char *s) {
  int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
  wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
  if (!w || !MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n)) {
    fprintf(stderr, "error: MultiByteToWideChar: cannot convert '%s'\n", s);
    exit(2);
  }
  return w;
}

int main(int argc, char **argv) {
  DWORD protocols = 0, security_flags = 0;
  for (int i = 4; i < argc; i++) {
    if (!strcmp(argv[i], "--tls12"))
      protocols = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2;
    else if (!strcmp(argv[i], "--tls13"))
      protocols = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3;
    else if (!strcmp(argv[i], "--ignore-unknown-ca"))
      security_flags |= SECURITY_FLAG_IGNORE_UNKNOWN_CA;
    else
      argc = 0; /* unknown option: usage */
  }
  char *end = NULL;
  unsigned long port = argc >= 4 ? strtoul(argv[2], &end, 10) : 0;
  if (argc < 4 || !end || *end || port == 0 || port > 65535) {
    fprintf(stderr, "usage: winhttp_get HOST PORT PATH [--tls12|--tls13] [--ignore-unknown-ca]\n");
    return 2;
  }
  wchar_t *host = widen(argv[1]), *path = widen(argv[3]);

  HINTERNET session = WinHttpOpen(L"winhttp_get/1.0", WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME,
                                  WINHTTP_NO_PROXY_BYPASS, 0);
  if (!session) return fail("WinHttpOpen");
  if (!WinHttpSetTimeouts(session, 10000, 10000, 10000, 10000)) return fail("WinHttpSetTimeouts");
  if (protocols && !WinHttpSetOption(session, WINHTTP_OPTION_SECURE_PROTOCOLS, &protocols, sizeof protocols))
    return fail("WinHttpSetOption(WINHTTP_OPTION_SECURE_PROTOCOLS)");
  if (WinHttpSetStatusCallback(session, on_status, WINHTTP_CALLBACK_FLAG_SECURE_FAILURE, 0) ==
      WINHTTP_INVALID_STATUS_CALLBACK)
    return fail("WinHttpSetStatusCallback");

  HINTERNET connect = WinHttpConnect(session, host, (INTERNET_PORT)port, 0);
  if (!connect) return fail("WinHttpConnect");
  HINTERNET request = WinHttpOpenRequest(connect, L"GET", path, NULL, WINHTTP_NO_REFERER,
                                         WINHTTP_DEFAULT_ACCEPT_TYPES, WINHTTP_FLAG_SECURE);
  if (!request) return fail("WinHttpOpenRequest");
  if (security_flags &&
      !WinHttpSetOption(request, WINHTTP_OPTION_SECURITY_FLAGS, &security_flags, sizeof security_flags))
    return fail("WinHttpSetOption(WINHTTP_OPTION_SECURITY_FLAGS)");

  if (!WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0, 0, 0))
    return fail("WinHttpSendRequest");
  if (!WinHttpReceiveResponse(request, NULL)) return fail("WinHttpReceiveResponse");

  DWORD status = 0, size = sizeof status;
  if (!WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                           WINHTTP_HEADER_NAME_BY_INDEX, &status, &size, WINHTTP_NO_HEADER_INDEX))
    return fail("WinHttpQueryHeaders");
  fprintf(stderr, "status: %lu\n", (unsigned long)status);

  /* WriteFile on the handle: binary, whatever the CRT's mode for stdout. */
  HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
  unsigned long long total = 0;
  static char buf[65536];
  for (;;) {
    DWORD avail = 0, got = 0, wrote = 0;
    if (!WinHttpQueryDataAvailable(request, &avail)) return fail("WinHttpQueryDataAvailable");
    if (avail == 0) break;
    if (!WinHttpReadData(request, buf, avail < sizeof buf ? avail : (DWORD)sizeof buf, &got))
      return fail("WinHttpReadData");
    if (got == 0) break;
    if (!WriteFile(out, buf, got, &wrote, NULL) || wrote != got) return fail("WriteFile");
    total += got;
  }
  fprintf(stderr, "bytes: %llu\n", total);

  WinHttpCloseHandle(request);
  WinHttpCloseHandle(connect);
  WinHttpCloseHandle(session);
  free(host);
  free(path);
  return 0;
}
