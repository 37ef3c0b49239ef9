#!/usr/bin/python3
"""gss-ntlmssp as an NTLM peer, through Debian's python3-gssapi (run with
/usr/bin/python3, which has it; the tests' venv does not). One context, driven
by lines on stdin, one answer line per request on stdout:

    STEP <b64 token | ->      -> STEP <b64 token | -> <complete 0|1>
    WRAP <b64> <conf 0|1>     -> DATA <b64 wrapped message>
    UNWRAP <b64>              -> DATA <b64 plaintext> <conf 0|1>     (or ERR <text>)
    MIC <b64>                 -> DATA <b64 signature>
    VERIFY <b64 msg> <b64 mic>-> OK                                  (or ERR <text>)
    KEY                       -> DATA <b64 session key>
    NAME                      -> NAME <initiator name>

    ntlm_gssapi_peer.py initiate USER DOMAIN PASSWORD TARGET [BINDINGS_HEX]
    ntlm_gssapi_peer.py accept [BINDINGS_HEX]       (users from NTLM_USER_FILE)

BINDINGS_HEX is the application data of the channel bindings (gss_channel_bindings_struct
with no addresses), as the other side passes it in SEC_CHANNEL_BINDINGS.
"""

import base64
import sys

import gssapi
import gssapi.raw as raw

NTLM = gssapi.OID.from_int_seq("1.3.6.1.4.1.311.2.2.10")
SESSION_KEY = gssapi.OID.from_int_seq("1.2.840.113554.1.2.2.5.5")


def b64(data):
    return base64.b64encode(data).decode() if data else "-"


def unb64(text):
    return b"" if text == "-" else base64.b64decode(text)


def main():
    role = sys.argv[1]
    bindings = None
    if role == "initiate":
        user, domain, password, target = sys.argv[2:6]
        if len(sys.argv) > 6:
            bindings = raw.ChannelBindings(application_data=bytes.fromhex(sys.argv[6]))
        name = gssapi.Name(f"{domain}\\{user}", gssapi.NameType.user)
        cred = raw.acquire_cred_with_password(name, password.encode(), usage="initiate", mechs=[NTLM]).creds
        ctx = gssapi.SecurityContext(
            name=gssapi.Name(target, gssapi.NameType.hostbased_service), creds=cred, mech=NTLM, usage="initiate",
            flags=gssapi.RequirementFlag.integrity | gssapi.RequirementFlag.confidentiality
            | gssapi.RequirementFlag.replay_detection | gssapi.RequirementFlag.out_of_sequence_detection,
            channel_bindings=bindings)
    else:
        if len(sys.argv) > 2:
            bindings = raw.ChannelBindings(application_data=bytes.fromhex(sys.argv[2]))
        cred = gssapi.Credentials(usage="accept", mechs=[NTLM])
        ctx = gssapi.SecurityContext(creds=cred, usage="accept", channel_bindings=bindings)
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
            elif cmd == "NAME":
                # gss-ntlmssp's display name carries the C string's NUL (gss-ntlmssp to itself too).
                print(f"NAME {str(ctx.initiator_name).rstrip(chr(0))}")
            else:
                print(f"ERR unknown command {cmd}")
        except gssapi.exceptions.GSSError as e:
            print("ERR " + " ".join(str(e).split()))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
