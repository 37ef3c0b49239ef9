//! Natural numbers of a few thousand bits, enough to derive an RSA private key's CRT values
//! from its primes and public exponent (PKCS#1 / RFC 8017 section 3.2): ring signs with
//! `p`, `q`, `dP`, `dQ` and `qInv` and checks them, but computes none of them, so a key whose
//! derived values arrive damaged (Wine 8's CryptoAPI export, see `certs::capi_key`) has them
//! rebuilt here.
//!
//! Schoolbook arithmetic on 64-bit limbs, wiped on drop. It is not constant-time: it runs
//! once per credential over a key the process already holds, never on a peer's input or per
//! message, and nothing else in the library uses it.

use core::cmp::Ordering;

use zeroize::Zeroizing;

/// A natural number: little-endian 64-bit limbs, no high zero limbs (zero is no limbs).
#[derive(Clone, PartialEq, Eq)]
pub struct Nat(Zeroizing<Vec<u64>>);

impl core::fmt::Debug for Nat {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Values here are key material: only the size is shown.
        write!(f, "Nat({} bits)", self.bits())
    }
}

impl Nat {
    fn from_limbs(mut limbs: Zeroizing<Vec<u64>>) -> Nat {
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
        Nat(limbs)
    }

    pub fn zero() -> Nat {
        Nat(Zeroizing::new(Vec::new()))
    }

    pub fn from_u64(v: u64) -> Nat {
        Nat::from_limbs(Zeroizing::new(vec![v]))
    }

    /// From big-endian bytes (leading zeros allowed).
    pub fn from_be(bytes: &[u8]) -> Nat {
        let mut limbs = Zeroizing::new(vec![0u64; bytes.len().div_ceil(8)]);
        for (i, &b) in bytes.iter().rev().enumerate() {
            limbs[i / 8] |= u64::from(b) << (8 * (i % 8));
        }
        Nat::from_limbs(limbs)
    }

    /// Big-endian bytes, minimal (zero is one zero byte).
    pub fn to_be(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(self.0.len() * 8));
        for limb in self.0.iter().rev() {
            out.extend_from_slice(&limb.to_be_bytes());
        }
        let skip = out.iter().take_while(|&&b| b == 0).count().min(out.len().saturating_sub(1));
        out.drain(..skip);
        if out.is_empty() {
            out.push(0);
        }
        out
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    pub fn is_one(&self) -> bool {
        self.0.as_slice() == [1]
    }

    pub fn is_even(&self) -> bool {
        self.0.first().is_none_or(|l| l & 1 == 0)
    }

    pub fn bits(&self) -> usize {
        self.0.last().map_or(0, |top| self.0.len() * 64 - top.leading_zeros() as usize)
    }

    fn bit(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|l| (l >> (i % 64)) & 1 == 1)
    }

    pub fn add(&self, other: &Nat) -> Nat {
        let n = self.0.len().max(other.0.len());
        let mut out = Zeroizing::new(Vec::with_capacity(n + 1));
        let mut carry = 0u64;
        for i in 0..n {
            let (a, b) = (self.0.get(i).copied().unwrap_or(0), other.0.get(i).copied().unwrap_or(0));
            let (s1, c1) = a.overflowing_add(b);
            let (s2, c2) = s1.overflowing_add(carry);
            out.push(s2);
            carry = u64::from(c1) + u64::from(c2);
        }
        out.push(carry);
        Nat::from_limbs(out)
    }

    /// `self - other`, None when `other > self`.
    pub fn checked_sub(&self, other: &Nat) -> Option<Nat> {
        if *self < *other {
            return None;
        }
        let mut out = Zeroizing::new(Vec::with_capacity(self.0.len()));
        let mut borrow = 0u64;
        for (i, &a) in self.0.iter().enumerate() {
            let b = other.0.get(i).copied().unwrap_or(0);
            let (d1, b1) = a.overflowing_sub(b);
            let (d2, b2) = d1.overflowing_sub(borrow);
            out.push(d2);
            borrow = u64::from(b1) + u64::from(b2);
        }
        Some(Nat::from_limbs(out))
    }

    pub fn mul(&self, other: &Nat) -> Nat {
        if self.is_zero() || other.is_zero() {
            return Nat::zero();
        }
        let mut out = Zeroizing::new(vec![0u64; self.0.len() + other.0.len()]);
        for (i, &a) in self.0.iter().enumerate() {
            let mut carry = 0u128;
            for (j, &b) in other.0.iter().enumerate() {
                let t = u128::from(a) * u128::from(b) + u128::from(out[i + j]) + carry;
                out[i + j] = t as u64;
                carry = t >> 64;
            }
            out[i + other.0.len()] = carry as u64;
        }
        Nat::from_limbs(out)
    }

    fn shr1(&mut self) {
        let mut carry = 0u64;
        for limb in self.0.iter_mut().rev() {
            let next = *limb << 63;
            *limb = (*limb >> 1) | carry;
            carry = next;
        }
        if self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn shl1_or(&mut self, low: bool) {
        let mut carry = u64::from(low);
        for limb in self.0.iter_mut() {
            let next = *limb >> 63;
            *limb = (*limb << 1) | carry;
            carry = next;
        }
        if carry != 0 {
            self.0.push(carry);
        }
    }

    /// Quotient and remainder; None for a zero divisor. Bit-at-a-time long division.
    pub fn div_rem(&self, divisor: &Nat) -> Option<(Nat, Nat)> {
        if divisor.is_zero() {
            return None;
        }
        let mut q = Zeroizing::new(vec![0u64; self.0.len()]);
        let mut r = Nat::zero();
        for i in (0..self.bits()).rev() {
            r.shl1_or(self.bit(i));
            if r >= *divisor {
                r = r.checked_sub(divisor)?;
                q[i / 64] |= 1 << (i % 64);
            }
        }
        Some((Nat::from_limbs(q), r))
    }

    pub fn rem(&self, m: &Nat) -> Option<Nat> {
        self.div_rem(m).map(|(_, r)| r)
    }

    /// Greatest common divisor (binary).
    pub fn gcd(&self, other: &Nat) -> Nat {
        let (mut a, mut b) = (self.clone(), other.clone());
        if a.is_zero() {
            return b;
        }
        if b.is_zero() {
            return a;
        }
        let mut shift = 0;
        while a.is_even() && b.is_even() {
            a.shr1();
            b.shr1();
            shift += 1;
        }
        while a.is_even() {
            a.shr1();
        }
        loop {
            while b.is_even() {
                b.shr1();
            }
            if a > b {
                core::mem::swap(&mut a, &mut b);
            }
            b = b.checked_sub(&a).unwrap_or_else(Nat::zero);
            if b.is_zero() {
                break;
            }
        }
        for _ in 0..shift {
            a.shl1_or(false);
        }
        a
    }

    /// `self^-1 mod m` for an odd modulus `m > 1`; None when there is none (gcd != 1).
    /// Binary extended Euclid: only halving, adding `m` and subtracting.
    pub fn inverse_mod_odd(&self, m: &Nat) -> Option<Nat> {
        if m.is_even() || m.is_one() || m.is_zero() {
            return None;
        }
        let mut u = self.rem(m)?;
        if u.is_zero() {
            return None;
        }
        let mut v = m.clone();
        let (mut x1, mut x2) = (Nat::from_u64(1), Nat::zero());
        let halve = |x: &mut Nat| {
            if !x.is_even() {
                *x = x.add(m);
            }
            x.shr1();
        };
        while !u.is_one() && !v.is_one() {
            if u.is_zero() || v.is_zero() {
                return None;
            }
            while u.is_even() {
                u.shr1();
                halve(&mut x1);
            }
            while v.is_even() {
                v.shr1();
                halve(&mut x2);
            }
            if u >= v {
                u = u.checked_sub(&v)?;
                x1 = sub_mod(&x1, &x2, m);
            } else {
                v = v.checked_sub(&u)?;
                x2 = sub_mod(&x2, &x1, m);
            }
        }
        let x = if u.is_one() { x1 } else { x2 };
        x.rem(m)
    }

    /// `self^-1 mod m` for any modulus `m > 1` when `self` is odd and `m`'s inverse modulo
    /// `self` is computable (`self` odd, > 1): `x = (k*m + 1) / self` with
    /// `k = -(m^-1) mod self`. This is how a public exponent is inverted modulo an even
    /// `LCM(p-1, q-1)`.
    pub fn inverse_mod_via_odd_self(&self, m: &Nat) -> Option<Nat> {
        let m_inv = m.inverse_mod_odd(self)?;
        let k = self.checked_sub(&m_inv)?; // -(m^-1) mod self, nonzero since m_inv < self
        let (x, r) = k.mul(m).add(&Nat::from_u64(1)).div_rem(self)?;
        if !r.is_zero() {
            return None;
        }
        x.rem(m)
    }
}

/// `(a - b) mod m` for `a, b < m`.
fn sub_mod(a: &Nat, b: &Nat, m: &Nat) -> Nat {
    match a.checked_sub(b) {
        Some(d) => d,
        None => a.add(m).checked_sub(b).unwrap_or_else(Nat::zero),
    }
}

impl PartialOrd for Nat {
    fn partial_cmp(&self, other: &Nat) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Nat {
    fn cmp(&self, other: &Nat) -> Ordering {
        self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

/// An RSA private key's values derived from `p`, `q` and `e` (RFC 8017 section 3.2): a private
/// exponent `d` (with `e*d = 1 mod LCM(p-1, q-1)`), `dP = d mod (p-1)`, `dQ = d mod (q-1)`,
/// `qInv = q^-1 mod p`. `dP`, `dQ` and `qInv` have one value each; `d` has several below `n`.
pub struct RsaDerived {
    pub d: Nat,
    pub dp: Nat,
    pub dq: Nat,
    pub qinv: Nat,
}

/// Derives [`RsaDerived`] when `n == p * q` and `e` is an odd exponent > 1 with an inverse;
/// None otherwise (the primes do not make the modulus, or the exponent is unusable). `given_d`
/// is kept when it is a private exponent of the key below `n` (OpenSSL's keys below 2048 bits
/// have `d = e^-1 mod (p-1)(q-1)`, above `e^-1 mod LCM`); otherwise `d = e^-1 mod LCM(p-1, q-1)`.
pub fn rsa_derive(n: &Nat, e: &Nat, p: &Nat, q: &Nat, given_d: &Nat) -> Option<RsaDerived> {
    let one = Nat::from_u64(1);
    if p.bits() < 2 || q.bits() < 2 || e.is_even() || e.is_one() || p.mul(q) != *n {
        return None;
    }
    let (p1, q1) = (p.checked_sub(&one)?, q.checked_sub(&one)?);
    let (p1_over_g, r) = p1.div_rem(&p1.gcd(&q1))?;
    if !r.is_zero() {
        return None;
    }
    let lambda = p1_over_g.mul(&q1);
    let is_exponent = |d: &Nat| *d < *n && d.mul(e).rem(&lambda).is_some_and(|r| r.is_one());
    let d = if is_exponent(given_d) {
        given_d.clone()
    } else {
        let d = e.inverse_mod_via_odd_self(&lambda)?;
        is_exponent(&d).then_some(d)?
    };
    let (dp, dq) = (d.rem(&p1)?, d.rem(&q1)?);
    let qinv = q.inverse_mod_odd(p)?;
    Some(RsaDerived { d, dp, dq, qinv })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: u128) -> Nat {
        Nat::from_be(&v.to_be_bytes())
    }

    #[test]
    fn bytes_round_trip_minimally() {
        assert_eq!(Nat::from_be(&[0, 0, 1, 2]).to_be().as_slice(), &[1, 2]);
        assert_eq!(Nat::from_be(&[]).to_be().as_slice(), &[0]);
        let big: Vec<u8> = (1..=40).collect();
        assert_eq!(Nat::from_be(&big).to_be().as_slice(), big.as_slice());
        assert_eq!(Nat::from_be(&big).bits(), 40 * 8 - 7);
    }

    #[test]
    fn arithmetic_agrees_with_u128() {
        let vals = [0u128, 1, 2, 3, 0xffff_ffff_ffff_ffff, 1 << 64, (1 << 64) + 5, 0x1234_5678_9abc_def0_1357_9bdf];
        for &a in &vals {
            for &b in &vals {
                assert_eq!(n(a).add(&n(b)), n(a + b), "{a} + {b}");
                assert_eq!(n(a).checked_sub(&n(b)), a.checked_sub(b).map(n), "{a} - {b}");
                if let Some(p) = a.checked_mul(b) {
                    assert_eq!(n(a).mul(&n(b)), n(p), "{a} * {b}");
                }
                if b != 0 {
                    let (q, r) = n(a).div_rem(&n(b)).unwrap();
                    assert_eq!((q, r), (n(a / b), n(a % b)), "{a} / {b}");
                } else {
                    assert!(n(a).div_rem(&n(b)).is_none());
                }
                assert_eq!(n(a).cmp(&n(b)), a.cmp(&b));
            }
        }
        // A carry across every limb.
        let max = Nat::from_be(&[0xff; 32]);
        let mut next = vec![1u8];
        next.extend_from_slice(&[0; 32]);
        assert_eq!(max.add(&Nat::from_u64(1)), Nat::from_be(&next));
    }

    #[test]
    fn gcd_and_inverses() {
        assert_eq!(n(462).gcd(&n(1071)), n(21));
        assert_eq!(n(48).gcd(&n(180)), n(12));
        assert_eq!(n(17).gcd(&n(0)), n(17));
        // 3 * 4 = 12 = 1 mod 11.
        assert_eq!(n(3).inverse_mod_odd(&n(11)), Some(n(4)));
        for (a, m) in [(65537u128, 101u128), (10, 2_147_483_647), (123_456_789, 1_000_000_007)] {
            let inv = n(a).inverse_mod_odd(&n(m)).unwrap();
            assert_eq!(n(a).mul(&inv).rem(&n(m)).unwrap(), n(1), "{a}^-1 mod {m}");
        }
        assert_eq!(n(6).inverse_mod_odd(&n(9)), None, "gcd 3");
        assert_eq!(n(3).inverse_mod_odd(&n(10)), None, "even modulus");
        // e^-1 modulo an even number.
        let d = n(65537).inverse_mod_via_odd_self(&n(3120)).unwrap();
        assert_eq!(n(65537).mul(&d).rem(&n(3120)).unwrap(), n(1));
        assert_eq!(n(5).inverse_mod_via_odd_self(&n(10)), None, "gcd 5");
    }

    #[test]
    fn textbook_rsa_values() {
        // p = 61, q = 53, n = 3233, e = 17: LCM(60, 52) = 780, d = 413, dP = 53, dQ = 49,
        // qInv = 38 (53 * 38 = 2014 = 1 mod 61).
        // 2753 = 17^-1 mod (60 * 52) is a private exponent too, and is kept when given.
        let k = rsa_derive(&n(3233), &n(17), &n(61), &n(53), &n(0)).unwrap();
        assert_eq!((k.d, k.dp, k.dq, k.qinv), (n(413), n(53), n(49), n(38)));
        let k = rsa_derive(&n(3233), &n(17), &n(61), &n(53), &n(2753)).unwrap();
        assert_eq!((k.d, k.dp, k.dq, k.qinv), (n(2753), n(53), n(49), n(38)));
        for bad in [414, 2754, 3233 + 413] {
            assert_eq!(rsa_derive(&n(3233), &n(17), &n(61), &n(53), &n(bad)).unwrap().d, n(413), "given d {bad}");
        }
        assert!(rsa_derive(&n(3234), &n(17), &n(61), &n(53), &n(0)).is_none(), "n != p*q");
        assert!(rsa_derive(&n(3233), &n(16), &n(61), &n(53), &n(0)).is_none(), "even e");
        assert!(rsa_derive(&n(3233), &n(13), &n(61), &n(53), &n(0)).is_none(), "e divides LCM");
    }
}
