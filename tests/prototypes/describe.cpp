// The prototype proof's translation unit (driven by tests/prototypes_mingw.rs).
//
// For every function named in "exports.inc" (one SSPIRS_PROTO(Name) line per
// export of libsecur32.so, written by the test), the compiler renders the
// function's own type, decltype(Name), into a descriptor string at compile
// time and stores it in the object file:
//
//     \x01SSPIRS-PROTO <TAB> Name <TAB> return <TAB> parameter 1 <TAB> ... \n
//
// The same file is compiled twice: by x86_64-w64-mingw32-g++ against
// mingw-w64's <windows.h>, <security.h>, <sspi.h>, <schannel.h> and
// <wincrypt.h>, and by the host g++ against our include/ (the same #include
// lines find our drop-in headers there). Nothing is linked or run: the test
// reads the strings out of both objects and compares them.
//
// A descriptor names types by what the ABI and a C++ compiler see, not by
// how a header spells them (typedefs are looked through):
//   void, bool, char (plain char), i8/u8 ... i64/u64 (width and signedness of
//   every other integer: Windows' 32-bit long and our int32_t are both i32),
//   f32/f64, char16_t, char32_t, wchar_t<bits> (wchar_t16 on Windows,
//   wchar_t32 on Linux), struct/union/enum <tag>[<size>] (or [incomplete]),
//   ptr(<pointee>) with "const "/"volatile " on the pointee at every level,
//   array[<n>](<element>), and fn(<parameters>) -> <return> for function
//   types, recursively (function-pointer parameters such as SEC_GET_KEY_FN).
// A type outside this list (a reference, a member pointer...) is a compile
// error, so nothing is ever described vaguely. The one rule the test adds on
// top: mingw-w64's wchar_t16 and our char16_t are the same type (WCHAR is
// UTF-16 on both; Linux's wchar_t is 32-bit). Calling conventions need no
// descriptor: WINAPI/__stdcall is ignored on x86_64 Windows and every export
// of ours is extern "system", the platform C convention.

#define SECURITY_WIN32
#define SCHANNEL_USE_BLACKLISTS
#ifdef _WIN32
#define _WIN32_WINNT 0x0A00
#define NTDDI_VERSION 0x0A00000B
#include <windows.h>
#endif
#include <security.h>
#include <sspi.h>
#include <schannel.h>
#include <wincrypt.h>
#include <ntsecapi.h>

#include <cstddef>
#include <type_traits>

namespace sspirs {

// A compile-time string of N characters (NUL-terminated).
template <std::size_t N> struct Str {
  char c[N + 1];
};

template <std::size_t N> constexpr Str<N - 1> lit(const char (&s)[N]) {
  Str<N - 1> r{};
  for (std::size_t i = 0; i < N; ++i) r.c[i] = s[i];
  return r;
}

template <std::size_t A, std::size_t B> constexpr Str<A + B> operator+(const Str<A> &a, const Str<B> &b) {
  Str<A + B> r{};
  for (std::size_t i = 0; i < A; ++i) r.c[i] = a.c[i];
  for (std::size_t i = 0; i <= B; ++i) r.c[A + i] = b.c[i];
  return r;
}

constexpr std::size_t digits(std::size_t v) { return v < 10 ? 1 : 1 + digits(v / 10); }

template <std::size_t V> constexpr Str<digits(V)> num() {
  Str<digits(V)> r{};
  std::size_t v = V;
  for (std::size_t i = digits(V); i > 0; --i) {
    r.c[i - 1] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return r;
}

// The tag of a struct, union or enum, as the compiler prints it in
// __PRETTY_FUNCTION__ ("... [with T = _SecHandle]"; an untagged
// `typedef struct {...} X` prints X).
constexpr std::size_t find(const char *s, std::size_t n, const char *pat, std::size_t from) {
  for (std::size_t i = from; i < n; ++i) {
    std::size_t j = 0;
    while (pat[j] != 0 && i + j < n && s[i + j] == pat[j]) ++j;
    if (pat[j] == 0) return i;
  }
  return n;
}
constexpr std::size_t name_start(const char *s, std::size_t n) { return find(s, n, "T = ", 0) + 4; }
constexpr std::size_t name_end(const char *s, std::size_t n) {
  std::size_t start = name_start(s, n), semi = find(s, n, ";", start), close = find(s, n, "]", start);
  return semi < close ? semi : close;
}

template <class T> struct Tag {
  static constexpr std::size_t len() {
    return name_end(__PRETTY_FUNCTION__, sizeof(__PRETTY_FUNCTION__)) -
           name_start(__PRETTY_FUNCTION__, sizeof(__PRETTY_FUNCTION__));
  }
  static constexpr Str<len()> get() {
    Str<len()> r{};
    const std::size_t start = name_start(__PRETTY_FUNCTION__, sizeof(__PRETTY_FUNCTION__));
    for (std::size_t i = 0; i < len(); ++i) r.c[i] = __PRETTY_FUNCTION__[start + i];
    return r;
  }
};

// sizeof(T) when T is complete.
template <class T, class = void> struct Size {
  static constexpr auto value = lit("[incomplete]");
};
template <class T> struct Size<T, std::void_t<decltype(sizeof(T))>> {
  static constexpr auto value = lit("[") + num<sizeof(T)>() + lit("]");
};

// D<T>: the descriptor of a cv-unqualified type. No primary definition: an
// unknown kind of type does not compile.
template <class T, class = void> struct D;
// `C ? a : b` for strings of different lengths (so of different types).
template <bool C, class A, class B> constexpr auto pick(const A &a, const B &b) {
  if constexpr (C) return a;
  else return b;
}
// Q<T>: with its qualifiers.
template <class T> struct Q {
  static constexpr auto value = pick<std::is_const_v<T>>(lit("const "), lit("")) +
                                pick<std::is_volatile_v<T>>(lit("volatile "), lit("")) +
                                D<std::remove_cv_t<T>>::value;
};

template <> struct D<void> {
  static constexpr auto value = lit("void");
};
template <> struct D<bool> {
  static constexpr auto value = lit("bool");
};
template <> struct D<char> {
  static constexpr auto value = lit("char");
};
template <> struct D<wchar_t> {
  static constexpr auto value = lit("wchar_t") + num<8 * sizeof(wchar_t)>();
};
template <> struct D<char16_t> {
  static constexpr auto value = lit("char16_t");
};
template <> struct D<char32_t> {
  static constexpr auto value = lit("char32_t");
};
// Every other integer: width and signedness.
template <class T> struct D<T, std::enable_if_t<std::is_integral_v<T>>> {
  static constexpr auto value = (std::is_signed_v<T> ? lit("i") : lit("u")) + num<8 * sizeof(T)>();
};
template <class T> struct D<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static constexpr auto value = lit("f") + num<8 * sizeof(T)>();
};
template <class T> struct D<T, std::enable_if_t<std::is_class_v<T>>> {
  static constexpr auto value = lit("struct ") + Tag<T>::get() + Size<T>::value;
};
template <class T> struct D<T, std::enable_if_t<std::is_union_v<T>>> {
  static constexpr auto value = lit("union ") + Tag<T>::get() + Size<T>::value;
};
template <class T> struct D<T, std::enable_if_t<std::is_enum_v<T>>> {
  static constexpr auto value = lit("enum ") + Tag<T>::get() + Size<T>::value;
};
template <class T> struct D<T *> {
  static constexpr auto value = lit("ptr(") + Q<T>::value + lit(")");
};
template <class T, std::size_t N> struct D<T[N]> {
  static constexpr auto value = lit("array[") + num<N>() + lit("](") + Q<T>::value + lit(")");
};
template <class T> struct D<T[]> {
  static constexpr auto value = lit("array[](") + Q<T>::value + lit(")");
};

// Parameters joined with a separator (", " inside a type, a tab at the top).
template <char S, class... A> struct Join;
template <char S> struct Join<S> {
  static constexpr auto value = lit("");
};
template <char S, class A> struct Join<S, A> {
  static constexpr auto value = Q<A>::value;
};
template <char S, class A, class B, class... R> struct Join<S, A, B, R...> {
  static constexpr auto value = Q<A>::value + pick<S == ','>(lit(", "), lit("\t")) + Join<S, B, R...>::value;
};

template <class R, class... A> struct D<R(A...)> {
  static constexpr auto value = lit("fn(") + Join<',', A...>::value + lit(") -> ") + Q<R>::value;
};
template <class R, class... A> struct D<R(A..., ...)> {
  static constexpr auto value =
      lit("fn(") + Join<',', A...>::value + pick<(sizeof...(A) > 0)>(lit(", ...) -> "), lit("...) -> ")) + Q<R>::value;
};
template <class R, class... A> struct D<R(A...) noexcept> {
  static constexpr auto value = D<R(A...)>::value + lit(" noexcept");
};

// One export: return type, then each parameter, tab-separated. Only plain
// prototypes are expected at the top (no C variadics, no noexcept).
template <class F> struct Top;
template <class R> struct Top<R()> {
  static constexpr auto value = Q<R>::value;
};
template <class R, class A, class... Rest> struct Top<R(A, Rest...)> {
  static constexpr auto value = Q<R>::value + lit("\t") + Join<'\t', A, Rest...>::value;
};

} // namespace sspirs

#define SSPIRS_PROTO(F)                                                                                          \
  __attribute__((used)) static constexpr auto sspirs_proto_##F =                                                 \
      sspirs::lit("\001SSPIRS-PROTO\t" #F "\t") + sspirs::Top<decltype(F)>::value + sspirs::lit("\n");

#include "exports.inc"
