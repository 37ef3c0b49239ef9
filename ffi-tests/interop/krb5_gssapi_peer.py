#!/usr/bin/python3
"""MIT Kerberos as a GSS-API peer, through Debian's python3-gssapi (run with
/usr/bin/python3). One krb5 context, driven by lines on stdin, one answer line
per request on stdout (the same protocol as ntlm_gssapi_peer.py):

    STEP <b64 token | ->      -> STEP <b64 token | -> <complete 0|1>
    WRAP <b64> <conf 0|1>     -> DATA <b64 wrapped message>
    UNWRAP <b64>              -> DATA <b64 plaintext> <conf 0|1>     (or ERR <text>)
    MIC <b64>                 -> DATA <b64 signature>
    VERIFY <b64 msg> <b64 mic>-> OK                                  (or ERR <text>)
    KEY                       -> DATA <b64 session key>
    NAME                      -> NAME <initiator name>
    MECH                      -> MECH <the mechanism negotiated, dotted>
    DELEG                     -> DELEG <delegated credential's name | ->   (acceptor)

    krb5_gssapi_peer.py initiate TARGET [mutual 0|1] [BINDINGS_HEX | -] [delegate 0|1]   (from KRB5CCNAME)
    krb5_gssapi_peer.py accept [BINDINGS_HEX]                          (keys from KRB5_KTNAME)

TARGET is a host-based service name (HTTP@localhost).

GSS_PEER_MECH=spnego makes it MIT's SPNEGO instead (1.3.6.1.5.5.2: krb5, and NTLM
through gss-ntlmssp when NTLM_USER_FILE gives it credentials); the acceptor then
takes every mechanism's default credentials. GSS_PEER_USER and GSS_PEER_PASSWORD give the
initiator a password credential instead of the ccache's (gss-ntlmssp's NTLM, say).
"""

import base64
import os
import sys

import gssapi
import gssapi.raw as raw

KRB5 = gssapi.OID.from_int_seq("1.2.840.113554.1.2.2")
SPNEGO = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")
MECH = SPNEGO if os.environ.get("GSS_PEER_MECH") == "spnego" else KRB5
SESSION_KEY = gssapi.OID.from_int_seq("1.2.840.113554.1.2.2.5.5")


def b64(data):
    return base64.b64encode(data).decode() if data else "-"


def unb64(text):
    return b"" if text == "-" else base64.b64decode(text)


def main():
    role = sys.argv[1]
    if role == "initiate":
        target = sys.argv[2]
        mutual = len(sys.argv) <= 3 or sys.argv[3] == "1"
        bindings = (raw.ChannelBindings(application_data=bytes.fromhex(sys.argv[4]))
                    if len(sys.argv) > 4 and sys.argv[4] != "-" else None)
        delegate = len(sys.argv) > 5 and sys.argv[5] == "1"
        flags = (gssapi.RequirementFlag.integrity | gssapi.RequirementFlag.confidentiality
                 | gssapi.RequirementFlag.replay_detection | gssapi.RequirementFlag.out_of_sequence_detection)
        if mutual:
            flags |= gssapi.RequirementFlag.mutual_authentication
        if delegate:
            flags |= gssapi.RequirementFlag.delegate_to_peer
        creds = None
        if os.environ.get("GSS_PEER_USER"):
            user = gssapi.Name(os.environ["GSS_PEER_USER"], gssapi.NameType.user)
            creds = gssapi.Credentials(raw.acquire_cred_with_password(
                user, os.environ["GSS_PEER_PASSWORD"].encode(), usage="initiate", mechs=[MECH]).creds)
        ctx = gssapi.SecurityContext(name=gssapi.Name(target, gssapi.NameType.hostbased_service), mech=MECH,
                                     usage="initiate", flags=flags, channel_bindings=bindings, creds=creds)
    else:
        bindings = raw.ChannelBindings(application_data=bytes.fromhex(sys.argv[2])) if len(sys.argv) > 2 else None
        creds = gssapi.Credentials(usage="accept", mechs=[KRB5]) if MECH == KRB5 else None
        ctx = gssapi.SecurityContext(creds=creds, usage="accept", channel_bindings=bindings)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        cmd, args = words[0], words[1:]
        try:
            if cmd == "STEP":
                out = ctx.step(unb64(args[0]) if args[0] != "-" else None)
                print(f"STEP {b64(out)} {int(ctx.complete)}")
            elif cmd == "WRAP":
                w = ctx.wrap(unb64(args[0]), args[1] == "1")
                print(f"DATA {b64(w.message)}")
            elif cmd == "UNWRAP":
                u = ctx.unwrap(unb64(args[0]))
                print(f"DATA {b64(u.message)} {int(u.encrypted)}")
            elif cmd == "MIC":
                print(f"DATA {b64(ctx.get_signature(unb64(args[0])))}")
            elif cmd == "VERIFY":
                ctx.verify_signature(unb64(args[0]), unb64(args[1]))
                print("OK")
            elif cmd == "KEY":
                print(f"DATA {b64(raw.inquire_sec_context_by_oid(ctx, SESSION_KEY)[0])}")
            elif cmd == "DELEG":
                d = ctx.delegated_creds
                print(f"DELEG {d.name if d is not None else '-'}")
            elif cmd == "NAME":
                print(f"NAME {ctx.initiator_name}")
            elif cmd == "MECH":
                print(f"MECH {ctx.mech.dotted_form}")
            else:
                print(f"ERR unknown command {cmd}")
        except gssapi.exceptions.GSSError as e:
            print("ERR " + " ".join(str(e).split()))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
