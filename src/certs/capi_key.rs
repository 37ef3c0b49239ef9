//! CryptoAPI's RSA private-key blob (`PRIVATEKEYBLOB`, what `CryptExportKey` writes for an
//! exportable key) as the PKCS#1 `RSAPrivateKey` rustls takes. The Windows build reads the
//! key of an application's certificate context this way (`crate::platform::certs`).
//!
//! The blob: `BLOBHEADER` (bType 7, bVersion 2, reserved, aiKeyAlg), `RSAPUBKEY` (magic
//! "RSA2", bitlen, pubexp), then modulus (bitlen/8 bytes), prime1, prime2, exponent1,
//! exponent2, coefficient (bitlen/16 each) and privateExponent (bitlen/8), all
//! little-endian.

use zeroize::Zeroizing;

use crate::abi::NTE_BAD_DATA;
use crate::crypto::nat::{rsa_derive, Nat};
use crate::der;
use crate::error::{SecError, SecResult};

const PRIVATEKEYBLOB: u8 = 7;
const RSA2: u32 = 0x3241_5352;

/// Converts a `PRIVATEKEYBLOB` into PKCS#1 DER (zeroed when dropped), as the blob says.
pub fn rsa_private_blob_to_pkcs1(blob: &[u8]) -> SecResult<Zeroizing<Vec<u8>>> {
    let (e, fields) = blob_fields(blob)?;
    Ok(pkcs1(&e, &fields))
}

/// [`rsa_private_blob_to_pkcs1`] for a blob from Wine 8's CryptoAPI, which damages the values
/// of a PFX-imported key that are shorter than their slot: the blob for a key whose
/// privateExponent or coefficient has a leading zero byte (about one 2048-bit key in 100)
/// carries other bytes there, and in privateExponent after a short coefficient (seen in the
/// Wine layer, `docs/wine.md`); ring refuses such a key. The modulus, exponent and primes fill
/// their slots (a prime's top bits are set) and arrive intact, so the rest is derived from them
/// (`crate::crypto::nat`, RFC 8017 section 3.2); the blob's privateExponent is kept when it is
/// one of the key's. The result is the key whatever the blob's other slots held, and OpenSSL's
/// PKCS#1 byte for byte for an undamaged blob. NTE_BAD_DATA when the primes do not make the
/// modulus.
pub fn rsa_private_blob_to_pkcs1_repaired(blob: &[u8]) -> SecResult<Zeroizing<Vec<u8>>> {
    let (e, mut fields) = blob_fields(blob)?;
    let nat = |v: &[u8]| Nat::from_be(v);
    let k = rsa_derive(&nat(&fields[0]), &nat(&e), &nat(&fields[1]), &nat(&fields[2]), &nat(&fields[6]))
        .ok_or(SecError::new(NTE_BAD_DATA, "the RSA key's primes do not make its modulus"))?;
    fields[3] = k.dp.to_be();
    fields[4] = k.dq.to_be();
    fields[5] = k.qinv.to_be();
    fields[6] = k.d.to_be();
    Ok(pkcs1(&e, &fields))
}

/// The seven magnitudes of a blob, big-endian.
type Fields = Vec<Zeroizing<Vec<u8>>>;

/// The public exponent and the seven magnitudes (big-endian) in blob order: modulus, prime1,
/// prime2, exponent1, exponent2, coefficient, privateExponent.
fn blob_fields(blob: &[u8]) -> SecResult<(Vec<u8>, Fields)> {
    let bad = |why: &'static str| SecError::new(NTE_BAD_DATA, why);
    if blob.len() < 20 || blob[0] != PRIVATEKEYBLOB || blob[1] != 2 {
        return Err(bad("not a version 2 PRIVATEKEYBLOB"));
    }
    let word = |at: usize| u32::from_le_bytes([blob[at], blob[at + 1], blob[at + 2], blob[at + 3]]);
    if word(8) != RSA2 {
        return Err(bad("not an RSA private key (RSA2)"));
    }
    let bits = word(12) as usize;
    if bits == 0 || bits % 16 != 0 || bits > 16384 {
        return Err(bad("RSA key length"));
    }
    let (full, half) = (bits / 8, bits / 16);
    let mut at = 20;
    let mut fields = Vec::with_capacity(7);
    for n in [full, half, half, half, half, half, full] {
        let field = blob.get(at..at + n).ok_or(bad("PRIVATEKEYBLOB cut short"))?;
        at += n;
        fields.push(Zeroizing::new(field.iter().rev().copied().collect()));
    }
    Ok((word(16).to_be_bytes().to_vec(), fields))
}

/// `RSAPrivateKey ::= SEQUENCE { version, n, e, d, p, q, dp, dq, qinv }`.
fn pkcs1(e: &[u8], f: &[Zeroizing<Vec<u8>>]) -> Zeroizing<Vec<u8>> {
    let (n, p, q, dp, dq, qinv, d) = (&f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6]);
    let mut body = Zeroizing::new(der::encode(0x02, &[0]));
    for v in [n.as_slice(), e, d, p, q, dp, dq, qinv] {
        body.extend_from_slice(&der::encode(0x02, &positive(v)));
    }
    Zeroizing::new(der::encode(0x30, &body))
}

/// A big-endian magnitude as DER INTEGER content: leading zeros dropped, one zero added when
/// the top bit is set.
fn positive(v: &[u8]) -> Zeroizing<Vec<u8>> {
    let skip = v.iter().take_while(|&&b| b == 0).count().min(v.len().saturating_sub(1));
    let v = &v[skip..];
    let mut out = Zeroizing::new(Vec::with_capacity(v.len() + 1));
    if v.first().is_some_and(|&b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(v);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    // A 512-bit test key: OpenSSL wrote the blob (`openssl rsa -outform PVK -pvk-none`, the
    // 24-byte PVK header removed) and the PKCS#1 DER (`-traditional -outform DER`).
    const BLOB: &str = "
        0702000000a4000052534132000200000100010027eec353487defb79ed52f4ac08ca3f091c6eb51848ac95e233a828e
        612173939ccc89444852692f1eeafdf5b5460dd08e5539103abb8a1dba9e3e85fe9597ce6991f162c8390f81992d9c64
        20273ae3f8262468561f89e7c30c8cf92ca239ef0f0153c91a9e92add53773dea2d3629a855cc1f27503b435c1777208
        0c2714dd29e9f2d2f68988b70ca6d6c730deb6ab11e40b4afbeac52505fa4f05f06185da71c06e96e177b2e6159a58f4
        d4eb7827b639e8b842b748c704495e624008c03a4295b5ba5cdbdb184d6c221122a0862a231e2c844bf6c85d9ba44ecc
        1c02fadff1de2fca21ee87b2f6fbaf1b520ed6a7ed68ff293469308981ce8cd358140c3586777acdda4283d157137dad
        ae51db26fac4eaebed1a5245f2ea4dd53139d13c";
    const PKCS1: &str = "
        3082013b020100024100ce9795fe853e9eba1d8abb3a1039558ed00d46b5f5fdea1e2f6952484489cc9c937321618e82
        3a235ec98a8451ebc691f0a38cc04a2fd59eb7ef7d4853c3ee27020301000102403cd13931d54deaf245521aedebeac4
        fa26db51aead7d1357d18342dacd7a7786350c1458d38cce818930693429ff68eda7d60e521baffbf6b287ee21ca2fde
        f1022100ef39a22cf98c0cc3e7891f56682426f8e33a2720649c2d99810f39c862f19169022100dd14270c087277c135
        b40375f2c15c859a62d3a2de7337d5ad929e1ac953010f022100da8561f0054ffa0525c5eafb4a0be411abb6de30c7d6
        a60cb78889f6d2f2e92902203ac00840625e4904c748b742b8e839b62778ebd4f4589a15e6b277e1966ec071022100df
        fa021ccc4ea49b5dc8f64b842c1e232a86a02211226c4d18dbdb5cbab59542";

    #[test]
    fn openssl_blob_converts_to_its_pkcs1() {
        assert_eq!(rsa_private_blob_to_pkcs1(&unhex(BLOB)).unwrap().as_slice(), unhex(PKCS1).as_slice());
    }

    #[test]
    fn malformed_blobs_are_refused() {
        let blob = unhex(BLOB);
        for cut in [0, 19, 20, blob.len() - 1] {
            assert!(rsa_private_blob_to_pkcs1(&blob[..cut]).is_err(), "cut at {cut}");
        }
        let mut public = blob.clone();
        public[0] = 6; // PUBLICKEYBLOB
        assert!(rsa_private_blob_to_pkcs1(&public).is_err());
        let mut magic = blob.clone();
        magic[11] = b'1'; // "RSA1", a public key
        assert!(rsa_private_blob_to_pkcs1(&magic).is_err());
        let mut bits = blob;
        bits[12] = 0x01; // 513 bits
        assert!(rsa_private_blob_to_pkcs1(&bits).is_err());
    }

    // A 2048-bit test key (ring's smallest RSA key pair), OpenSSL's blob and PKCS#1 as above.
    const SHORT_D_BLOB: &str = "
        0702000000a40000525341320008000001000100090ed3a5a9cd41c228ae0e1dabe9d00f70fccb96650e9e744d37f2de
        a0a5195c82fbf7730f6a49bf9307782378cb4cdbc36a7f2a1c600298951c790ab7a371ed9de6dfa62443c121d89b58f6
        1715dd6c118265f8d8d6e160f6087110e406c9a3e2b999f1eb5aad9d4941b7b0fb4b24ef737f4dd2e6171bc1c6ea1851
        a7debdc15741d919ecc45cd7ac29e1c0dad16657078e4d581c0118b0309fc5a075ab246648f21e863386508f0ecac14d
        c6c7d864ad19e178bedf37b6b9db5eff836fc36f7fc411e1c96238b060cd5a2491c3a3d3f605397ef69470d2922c74ec
        e0ebb423bc8f28740cf5ec57ceb082827f5dd243f0f851c43fb300cd7e7e5f2ef274109241680ccce3f925b73a74b5b5
        7a099257f46bfa13f745cbee278f01de75a4307b03dc36611f1c415db91e6cd068b9843d6400ca1e8c760cc009bfca21
        19c18c0316c799d84a02a93288c740c1b88679fd74e86e0229a23855db481b25350d283946cd99c029702ce9d0b1c948
        b87f2b7f977dd48cd71e89d0c13ebe4b9372becbc973408ddf9cc3be8ea3be3ba823adfc1079694858dabf8573a55d00
        1f7f23e670c83d2b2316207bc8d9677d0359bcd8e45db610038ee5c5c41dafda99daa5373e9ed42e88ee501cffe9102b
        018ef1b7077d3f49258e37393fb662291e73cf0b18063d8d00608c471db728adf5e65eb4acc2714b32284f23caa5a9dc
        4dd786b7811c6182f62f9d3cfdc17a14f4cff92c747da3d1e7b2516e7b175efed9ea18c1d8d523a72d6d9c0df11c75da
        e51436a1f60aacde016b88e2a4f5c1e2db82649c8e81054848f5ca7f5bc80b13df1e7de02fe8871f9c9cd45b9fd3921a
        0e2ee899602215fa995637dcf9fa12fec09d1c7197824ac54573d804f25462e597f3dc5e2107d81811503442d144db68
        f193fe9e099389b2b6794fcf20a5bb1ce360d76353a305f7926e2466ae66c218d59624b1dcb2d43c6b1ede28a5532313
        6b6f4bfb5394b70dca35fe43800f99e366c311c04f1114a3af6bee164a38e20ef2ee033cbec87811f3a2de92232773a9
        a51d8beb1636ee2eda1b4dd1f5c8369ee3a31d4438d6a9adb89a2b312b6c71b456313a97293320e94f92696fc6778e66
        499f2b6f0e4196b1c3160045da1b15e66f14a6f66cd253b2f3ffb2e682b42732ceda1819b9481ba211b97385f1bd41fd
        19af88f42c73d55fc477e1e88362e0952781b3ea7c25abe183676aa112d623c9967f4c67952cb98c07c560b0d2880227
        91350500816627ac1f5f7eb0f30d3085599ce25d7bc6c8e11fc079db8cd2ca0335d84208dfa45fe72074f275e7828bba
        f5d161f99df8befb8d7fcb9633263442b52db1f401cc3bec45d9d67780aa14740795efe1e48915c89a49994a27d572f2
        1b80e1be9dd94c2a8724047748fc37935c00c545939a7df0b115f9af42a5d72e13bb3bdac2a83f07fd1505ea3b190e9f
        23d98555aefe64c02eded0e0eb78362f0aceec1e22a17cab22ff0475b564167acacb467dc8326a8b0b6deb7f995c74b8
        bf9ef214dba94cbd8a4baba28d4ed6f287f0fc2123d080b8e277c2da4e22139e9d4bebc323cdff8e68b9d3f8055006b9
        221954c9fa6a89912fc7159e4a90708ca9f5d400";
    const SHORT_D_PKCS1: &str = "
        308204a00201000282010100921074f22e5f7e7ecd00b33fc451f8f043d25d7f8282b0ce57ecf50c74288fbc23b4ebe0
        ec742c92d27094f67e3905f6d3a3c391245acd60b03862c9e111c47f6fc36f83ff5edbb9b637dfbe78e119ad64d8c7c6
        4dc1ca0e8f508633861ef2486624ab75a0c59f30b018011c584d8e075766d1dac0e129acd75cc4ec19d94157c1bddea7
        5118eac6c11b17e6d24d7f73ef244bfbb0b741499dad5aebf199b9e2a3c906e4107108f660e1d6d8f86582116cdd1517
        f6589bd821c14324a6dfe69ded71a3b70a791c959802601c2a7f6ac3db4ccb7823780793bf496a0f73f7fb825c19a5a0
        def2374d749e0e6596cbfc700fd0e9ab1d0eae28c241cda9a5d30e0902030100010282010000d4f5a98c70904a9e15c7
        2f91896afac9541922b9065005f8d3b9688effcd23c3eb4b9d9e13224edac277e2b880d02321fcf087f2d64e8da2ab4b
        8abd4ca9db14f29ebfb8745c997feb6d0b8b6a32c87d46cbca7a1664b57504ff22ab7ca1221eecce0a2f3678ebe0d0de
        2ec064feae5585d9239f0e193bea0515fd073fa8c2da3bbb132ed7a542aff915b1f07d9a9345c5005c9337fc48770424
        872a4cd99dbee1801bf272d5274a99499ac81589e4e1ef95077414aa8077d6d945ec3bcc01f4b12db54234263396cb7f
        8dfbbef89df961d1f5ba8b82e775f27420e75fa4df0842d83503cad28cdb79c01fe1c8c67b5de29c5985300df3b07e5f
        1fac27668102818100cbbe72934bbe3ec1d0891ed78cd47d977f2b7fb848c9b1d0e92c7029c099cd4639280d35251b48
        db5538a229026ee874fd7986b8c140c78832a9024ad899c716038cc11921cabf09c00c768c1eca00643d84b968d06c1e
        b95d411c1f6136dc037b30a475de018f27eecb45f713fa6bf45792097ab5b5743ab725f9e3cc0c684102818100b786d7
        4ddca9a5ca234f28324b71c2acb45ee6f5ad28b71d478c60008d3d06180bcf731e2962b63f39378e25493f7d07b7f18e
        012b10e9ff1c50ee882ed49e3e37a5da99daaf1dc4c5e58e0310b65de4d8bc59037d67d9c87b2016232b3dc870e6237f
        1f005da57385bfda5848697910fcad23a83bbea38ebec39cdf8d4073c90281805edcf397e56254f204d87345c54a8297
        711c9dc0fe12faf9dc375699fa15226099e82e0e1a92d39f5bd49c9c1f87e82fe07d1edf130bc85b7fcaf5484805818e
        9c6482dbe2c1f5a4e2886b01deac0af6a13614e5da751cf10d9c6d2da723d5d8c118ead9fe5e177b6e51b2e7d1a37d74
        2cf9cff4147ac1fd3c9d2ff682611c81028180441da3e39e36c8f5d14d1bda2eee3616eb8b1da5a973272392dea2f311
        78c8be3c03eef20ee2384a16ee6bafa314114fc011c366e3990f8043fe35ca0db79453fb4b6f6b132353a528de1e6b3c
        d4b2dcb12496d518c266ae66246e92f705a35363d760e31cbba520cf4f79b6b28993099efe93f168db44d14234501118
        d80721027f053591270288d2b060c5078cb92c95674c7f96c923d612a16a6783e1ab257ceab3812795e06283e8e177c4
        5fd5732cf488af19fd41bdf18573b911a21b48b91918dace3227b482e6b2fff3b253d26cf6a6146fe6151bda450016c3
        b196410e6f2b9f49668e77c66f69924fe9203329973a3156b4716c2b312b9ab8ada9d638";

    // A 512-bit test key whose coefficient (qInv) is a byte shorter than its slot, the other
    // kind of key Wine 8 exports damaged; OpenSSL's blob and PKCS#1 as above.
    const SHORT_QINV_BLOB: &str = "
        0702000000a40000525341320002000001000100e30058ece29b6f32ffbe67fc1af05c0f6fe06c90c85fb4f7bf1e65d2
        5740585f1301758e28697b61665630d59a7a9f92d997026cdc5f02649026e4d28e22e1ee7dd8a5717bb36121635ba6fd
        f0035b0f94b4d51d16a63116e957a742924259fbdfdc396f894c11c1b7cb1628b9692ddd3009d6b9fd1651d11e84ca8e
        9acd4cf39115b5f6a9fda929228ca0e3615028e050dadc21fc50197bb0bba9653a986a255b98d5cbe07d2000cd73a58e
        49e2673cdc4f7c9fdc45f27b210921a11e3a93f0881cb127cb15bccca692bac08e2375673e228a012240aa3c69769fa7
        ae3d600059355416a05d442cfb84b5c4005aee0fbb1e907a6402a7d50b6a8410856585a5e4d47aa87fea98c67fee7618
        c94fbbdbc4fc3017a49a7a9237350dea5207513f";
    const SHORT_QINV_PKCS1: &str = "
        30820139020100024100eee1228ed2e4269064025fdc6c0297d9929f7a9ad5305666617b69288e7501135f584057d265
        1ebff7b45fc8906ce06f0f5cf01afc67beff326f9be2ec5800e3020301000102403f510752ea0d3537927a9aa41730fc
        c4dbbb4fc91876ee7fc698ea7fa87ad4e4a585658510846a0bd5a702647a901ebb0fee5a00c4b584fb2c445da0165435
        59022100fb59429242a757e91631a6161dd5b4940f5b03f0fda65b632161b37b71a5d87d022100f34ccd9a8eca841ed1
        5116fdb9d60930dd2d69b92816cbb7c1114c896f39dcdf0220256a983a65a9bbb07b1950fc21dcda50e0285061e3a08c
        2229a9fda9f6b51591022100f0933a1ea12109217bf245dc9f7c4fdc3c67e2498ea573cd00207de0cbd5985b021f603d
        aea79f76693caa4022018a223e6775238ec0ba92a6ccbc15cb27b11c88";

    /// Overwrites blob slots 3..=6 (exponent1, exponent2, coefficient, privateExponent) with
    /// bytes that are not the key's.
    fn damage(blob: &[u8]) -> Vec<u8> {
        let mut out = blob.to_vec();
        let half = u32::from_le_bytes([blob[12], blob[13], blob[14], blob[15]]) as usize / 16;
        let from = 20 + 2 * half + 2 * half;
        for (i, b) in out[from..].iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37) & 0xfe | 0x80;
        }
        out
    }

    /// The nine INTEGERs of an RSAPrivateKey.
    fn integers(pkcs1: &[u8]) -> Vec<Vec<u8>> {
        let mut seq = der::Reader::new(pkcs1).sequence().unwrap();
        let out: Vec<Vec<u8>> = (0..9).map(|_| seq.integer_bytes().unwrap().to_vec()).collect();
        seq.finish().unwrap();
        out
    }

    #[test]
    fn derived_values_are_rebuilt_from_the_primes() {
        for (blob, pkcs1) in [(BLOB, PKCS1), (SHORT_D_BLOB, SHORT_D_PKCS1), (SHORT_QINV_BLOB, SHORT_QINV_PKCS1)] {
            let (clean, want) = (unhex(blob), unhex(pkcs1));
            assert_eq!(rsa_private_blob_to_pkcs1(&clean).unwrap().as_slice(), want.as_slice());
            assert_eq!(rsa_private_blob_to_pkcs1_repaired(&clean).unwrap().as_slice(), want.as_slice());
            // What Wine 8 exports for a short value: other bytes in its slot. With every
            // derived slot damaged, n, e, p, q, dP, dQ and qInv are OpenSSL's byte for byte, and
            // d is a private exponent of the key (OpenSSL's own when it took e^-1 mod LCM).
            let wine = damage(&clean);
            assert!(ring::rsa::KeyPair::from_der(&rsa_private_blob_to_pkcs1(&wine).unwrap()).is_err());
            let (got, want) = (integers(&rsa_private_blob_to_pkcs1_repaired(&wine).unwrap()), integers(&want));
            for i in [0, 1, 2, 4, 5, 6, 7, 8] {
                assert_eq!(got[i], want[i], "INTEGER {i} of {blob:.40}");
            }
            let (e, d, p, q) =
                (Nat::from_be(&got[2]), Nat::from_be(&got[3]), Nat::from_be(&got[4]), Nat::from_be(&got[5]));
            let one = Nat::from_u64(1);
            let (p1, q1) = (p.checked_sub(&one).unwrap(), q.checked_sub(&one).unwrap());
            let lambda = p1.div_rem(&p1.gcd(&q1)).unwrap().0.mul(&q1);
            assert!(d.mul(&e).rem(&lambda).unwrap().is_one(), "e*d = 1 mod LCM(p-1, q-1)");
            if blob == SHORT_D_BLOB {
                assert_eq!(got[3], want[3], "OpenSSL's 2048-bit d is e^-1 mod LCM");
            }
        }
    }

    #[test]
    fn primes_that_do_not_make_the_modulus_are_refused() {
        let mut blob = unhex(BLOB);
        blob[20 + 64] ^= 2; // prime1's low byte
        assert_eq!(rsa_private_blob_to_pkcs1_repaired(&blob).unwrap_err().status, NTE_BAD_DATA);
    }

    #[test]
    fn a_rebuilt_key_signs_as_the_original() {
        use ring::signature;
        let repaired = rsa_private_blob_to_pkcs1_repaired(&damage(&unhex(SHORT_D_BLOB))).unwrap();
        let key = signature::RsaKeyPair::from_der(&repaired).expect("rebuilt key accepted");
        let original = signature::RsaKeyPair::from_der(&unhex(SHORT_D_PKCS1)).unwrap();
        let mut sig = vec![0; key.public().modulus_len()];
        key.sign(&signature::RSA_PSS_SHA256, &ring::rand::SystemRandom::new(), b"message", &mut sig).unwrap();
        signature::UnparsedPublicKey::new(&signature::RSA_PSS_2048_8192_SHA256, original.public().as_ref())
            .verify(b"message", &sig)
            .expect("the rebuilt key signs as the original");
    }

    #[test]
    fn integers_are_positive_and_minimal() {
        assert_eq!(positive(&[0, 0, 0x7f]).as_slice(), &[0x7f]);
        assert_eq!(positive(&[0, 0x80]).as_slice(), &[0, 0x80]);
        assert_eq!(positive(&[0, 0]).as_slice(), &[0]);
    }
}
