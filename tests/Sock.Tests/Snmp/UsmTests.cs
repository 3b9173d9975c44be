using System.Net;
using System.Text;
using Sock.Core.Snmp;

namespace Sock.Tests.Snmp;

/// <summary>
/// The user-based security model in process: RFC 3414's key vectors, net-snmp's own localised keys and packets, and
/// the agent's checks (discovery, unknown user, wrong MAC, time window, decryption) with their Reports and counters.
/// </summary>
public sealed class UsmTests
{
    private static readonly byte[] Rfc3414EngineId = Convert.FromHexString("000000000002".PadLeft(24, '0'));

    [Theory]
    // RFC 3414 A.3.1 and A.3.2: "maplesyrup", engine 00…02.
    [InlineData(UsmAuthProtocol.Md5, "9faf3283884e92834ebc9847d8edd963", "526f5eed9fcce26f8964c2930787d82b")]
    [InlineData(UsmAuthProtocol.Sha1, "9fb5cc0381497b3793528939ff788d5d79145211", "6695febc9288e36282235fc7151f128497b38f3f")]
    public void password_to_key_and_localisation_match_rfc_3414s_vectors(UsmAuthProtocol protocol, string ku, string kul)
    {
        Assert.Equal(ku, Convert.ToHexStringLower(UsmKeys.PasswordToKey(protocol, "maplesyrup")));
        Assert.Equal(kul, Convert.ToHexStringLower(UsmKeys.LocalisedKey(protocol, "maplesyrup", Rfc3414EngineId)));
    }

    // What net-snmp 5.9.3's snmpd stored (usmUser lines of its persistent snmpd.conf) after createUser lines with these
    // passwords: the localised authentication key and the AES key, for its engine ID. RFC 7860 gives no vectors of its
    // own, so these are the SHA-2 ones.
    [Theory]
    [InlineData("80001f8880fb27567013e4156b00000000", UsmAuthProtocol.Sha1, "authpass11", "privpass11",
        "7792ee666ffc5d24a75d0243321037f5014366fa", "ff7ffa33b51ca86d64ea480009d635fb")]
    [InlineData("80001f8880fb27567013e4156b00000000", UsmAuthProtocol.Sha256, "authpass256", "privpass256",
        "a8f7c878bee343fd6f30ed74f2f5aef9c85fbfcf9ca8007e6b0c271b0ec6f03c", "85fde418bc0e78fe1f4d6735695489ba")]
    [InlineData("80001f8880fb27567013e4156b00000000", UsmAuthProtocol.Sha512, "authpass512", "privpass512",
        "2c98bec3032993eb64cc006871c79649b0401feda9fcd17752b7e6a41900dc8bc470870dd11311fa54158cc3f086dd6541160210d351b24e570923f84b856219",
        "02d6d7f149d4a136821bb971ca292197")]
    [InlineData("80001f88808e26845f58e4156b00000000", UsmAuthProtocol.Sha224, "authpass224", "privpass224",
        "43a5e1bb2a506e3416d0e0d88c1470a54f89f1db92d5bbfc45875002", "977ff64bc37e522049ceb18967688d5c")]
    [InlineData("80001f88808e26845f58e4156b00000000", UsmAuthProtocol.Sha384, "authpass384", "privpass384",
        "f97c44eaeecddd680e3322a89abff8badcc54182b32bcfd81ab31dff632f4ec8fcbfc69a8d3eb2d98bde565f972798b1", "25cff151e7e97ed06ccd48e3a13f1278")]
    [InlineData("80001f88808e26845f58e4156b00000000", UsmAuthProtocol.Md5, "maplesyrup", "maplesyrup",
        "bf7fd36c5b96a2a101d285cadbc312fb", "bf7fd36c5b96a2a101d285cadbc312fb")]
    public void localised_keys_equal_net_snmps(string engine, UsmAuthProtocol auth, string authPass, string privPass, string authKey, string privKey)
    {
        var keys = UsmKeys.For(new UsmUser("u") { AuthProtocol = auth, AuthPassword = authPass, PrivProtocol = UsmPrivProtocol.Aes128, PrivPassword = privPass },
            Convert.FromHexString(engine));
        Assert.Equal(authKey, Convert.ToHexStringLower(keys.AuthKey));
        Assert.Equal(privKey, Convert.ToHexStringLower(keys.PrivKey));
    }

    [Theory]
    // FIPS 180-4's examples (NIST's SHA224.pdf): one block, two blocks.
    [InlineData("abc", "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525")]
    [InlineData("", "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f")]
    public void sha_224_matches_fips_180_4(string input, string digest) =>
        Assert.Equal(digest, Convert.ToHexStringLower(Sha224Hash.Compute(Encoding.ASCII.GetBytes(input))));

    [Theory]
    [InlineData(UsmAuthProtocol.Md5, 12)]
    [InlineData(UsmAuthProtocol.Sha1, 12)]
    [InlineData(UsmAuthProtocol.Sha224, 16)]
    [InlineData(UsmAuthProtocol.Sha256, 24)]
    [InlineData(UsmAuthProtocol.Sha384, 32)]
    [InlineData(UsmAuthProtocol.Sha512, 48)]
    public void mac_lengths_are_rfc_7860s(UsmAuthProtocol protocol, int length) => Assert.Equal(length, UsmKeys.MacLength(protocol));

    // snmpget -d -v3 -u sockuser … -e 0x80001f888001020304050607 udp:127.0.0.1:P sysName.0, as net-snmp 5.9.3 sent it.
    private const string CapturedEngine = "80001f888001020304050607";
    private const string NetSnmpShaAuthNoPriv = "307802010330110204764F4897020300FFE30401050201030430302E040C80001F8880010203040506070201000201000408736F636B75736572040C719A2A4A05C17D11A8929B4A0400302E040C80001F8880010203040506070400A01C020416156715020100020100300E300C06082B060102010105000500";
    private const string NetSnmpSha256AuthPriv = "30818E020103301102041D768B6D020300FFE304010702010304443042040C80001F8880010203040506070201000201000408736F636B7573657204187072B5ACBCDDF17B3614263ED83732B71DAA6A8B9E1D8761040875374D1DC78CF75F04302D0749897A03A0E554B4A0433DE47DCDCDC98B7BE05770DCA96640274514C48C11197301EAB18112317EE537BC6CC4F5";
    private const string NetSnmpSha512AuthPriv = "3081A602010330110204622CF0B7020300FFE3040107020103045C305A040C80001F8880010203040506070201000201000408736F636B7573657204309E63D50774112103F5B82D3743AA2C0BD426775350374A4B1EADCC689F14DF30AF91C94B59EF3C3753EEAAE369C9E9800408F31EDC694E7BCBFD04306AF9DF898FF1A8337265D55C32DF0A5DE55881BFD99383A0DD3ECA76808AA73D9D9E4424246C16258EE29C4B7378A305";

    [Fact]
    public void net_snmps_signed_request_authenticates_and_one_changed_byte_does_not()
    {
        var wire = Convert.FromHexString(NetSnmpShaAuthNoPriv);
        var keys = UsmKeys.For(new UsmUser("sockuser") { AuthProtocol = UsmAuthProtocol.Sha1, AuthPassword = "maplesyrup" }, Convert.FromHexString(CapturedEngine));
        Assert.True(UserSecurityModel.Authenticate(wire, keys));
        Assert.True(SnmpMessage.TryDecode(wire, out var m, out var error), error);
        Assert.Equal("1.3.6.1.2.1.1.5.0", Assert.Single(m!.Pdu.VarBinds).Oid.ToString());
        for (var i = 0; i < wire.Length; i += 7)
        {
            var tampered = (byte[])wire.Clone();
            tampered[i] ^= 0x01;
            Assert.False(UserSecurityModel.Authenticate(tampered, keys), $"byte {i} changed and the MAC still matched");
        }
        var wrong = UsmKeys.For(new UsmUser("sockuser") { AuthProtocol = UsmAuthProtocol.Sha1, AuthPassword = "maplesyrop" }, Convert.FromHexString(CapturedEngine));
        Assert.False(UserSecurityModel.Authenticate(wire, wrong));
    }

    [Theory]
    [InlineData(NetSnmpSha256AuthPriv, UsmAuthProtocol.Sha256, "authpass256", "privpass256")]
    [InlineData(NetSnmpSha512AuthPriv, UsmAuthProtocol.Sha512, "authpass512", "privpass512")]
    public void net_snmps_encrypted_request_authenticates_and_decrypts(string hex, UsmAuthProtocol auth, string authPass, string privPass)
    {
        var wire = Convert.FromHexString(hex);
        var user = new UsmUser("sockuser") { AuthProtocol = auth, AuthPassword = authPass, PrivProtocol = UsmPrivProtocol.Aes128, PrivPassword = privPass };
        var keys = UsmKeys.For(user, Convert.FromHexString(CapturedEngine));
        Assert.True(UserSecurityModel.Authenticate(wire, keys));
        Assert.True(SnmpMessage.TryDecode(wire, out var m, out var error), error);
        Assert.True(m!.V3!.EncryptedPdu.HasValue);
        Assert.True(UserSecurityModel.TryDecrypt(m, keys, out var clear, out error), error);
        Assert.Equal(PduType.GetRequest, clear.Pdu.Type);
        Assert.Equal("1.3.6.1.2.1.1.5.0", Assert.Single(clear.Pdu.VarBinds).Oid.ToString());
        Assert.Equal(CapturedEngine, Convert.ToHexStringLower(clear.V3!.ContextEngineId.Span));

        var wrongPriv = UsmKeys.For(user with { PrivPassword = "privpassXXX" }, Convert.FromHexString(CapturedEngine));
        Assert.False(UserSecurityModel.TryDecrypt(m, wrongPriv, out _, out _));
    }

    public static TheoryData<UsmAuthProtocol, SnmpSecurityLevel> ProtocolsAndLevels
    {
        get
        {
            var data = new TheoryData<UsmAuthProtocol, SnmpSecurityLevel>();
            foreach (var p in Enum.GetValues<UsmAuthProtocol>().Where(p => p != UsmAuthProtocol.None))
                foreach (var l in new[] { SnmpSecurityLevel.AuthNoPriv, SnmpSecurityLevel.AuthPriv })
                    data.Add(p, l);
            data.Add(UsmAuthProtocol.None, SnmpSecurityLevel.NoAuthNoPriv);
            return data;
        }
    }

    private static UsmUser UserFor(UsmAuthProtocol p, string name = "alice") => p == UsmAuthProtocol.None
        ? new UsmUser(name)
        : new UsmUser(name) { AuthProtocol = p, AuthPassword = "auth-pass-1", PrivProtocol = UsmPrivProtocol.Aes128, PrivPassword = "priv-pass-1" };

    private static readonly IPEndPoint Peer = new(IPAddress.Loopback, 40001);

    private static SnmpAgent Agent(params UsmUser[] users) => new(new SnmpAgentOptions { Users = users, EngineId = Convert.FromHexString("80001f880501020304050607") }, b =>
    {
        b.Scalar(Oid.Parse("1.3.6.1.2.1.1.5"), SnmpValue.OctetString("usm-test"));
        for (uint i = 1; i <= 200; i++) b.Cell(Oid.Parse("1.3.6.1.2.1.6.20.1.4"), [1, 4, 127, 0, 0, 1, i], SnmpValue.Gauge32(i));
        return b.Build();
    });

    // A manager's request as SnmpClient builds it.
    private static byte[] Request(SnmpAgent agent, UsmUser user, SnmpSecurityLevel level, SnmpPdu pdu, int messageId = 77, int? boots = null, int? time = null, string context = "")
    {
        var engine = agent.EngineId.ToArray();
        var header = new SnmpV3Header
        {
            MessageId = messageId, Flags = (byte)((int)level | 4), EngineId = engine, EngineBoots = boots ?? agent.EngineBoots,
            EngineTime = time ?? agent.EngineTime, UserName = user.Name, ContextEngineId = engine, ContextName = context,
        };
        return UserSecurityModel.Encode(header, pdu, level == SnmpSecurityLevel.NoAuthNoPriv ? null : UsmKeys.For(user, engine));
    }

    private static SnmpMessage Open(SnmpAgent agent, UsmUser user, byte[] reply)
    {
        Assert.True(SnmpMessage.TryDecode(reply, out var m, out var error), error);
        var keys = UsmKeys.For(user, agent.EngineId.Span);
        if (m!.V3!.Authenticated) Assert.True(UserSecurityModel.Authenticate(reply, keys), "the reply's MAC does not verify");
        Assert.True(UserSecurityModel.TryDecrypt(m, keys, out var clear, out error), error);
        return clear;
    }

    [Theory]
    [MemberData(nameof(ProtocolsAndLevels))]
    public void a_request_round_trips_through_the_agent_at_its_level(UsmAuthProtocol protocol, SnmpSecurityLevel level)
    {
        var user = UserFor(protocol);
        var agent = Agent(user);
        var wire = Request(agent, user, level, SnmpPdu.Request(PduType.GetRequest, 4242, [Oid.Parse("1.3.6.1.2.1.1.5.0")]));
        var reply = agent.Handle(wire, Peer);
        Assert.NotNull(reply);
        var m = Open(agent, user, reply);
        Assert.Equal(level, UserSecurityModel.LevelOf(m.V3!));
        Assert.Equal(77, m.V3!.MessageId);
        Assert.Equal(PduType.Response, m.Pdu.Type);
        Assert.Equal(4242, m.Pdu.RequestId);
        Assert.Equal("usm-test", Encoding.UTF8.GetString(Assert.Single(m.Pdu.VarBinds).Value.Bytes.ToArray()));
        // Encrypted, the answer's text is not on the wire; in clear it is.
        Assert.Equal(level != SnmpSecurityLevel.AuthPriv, reply.AsSpan().IndexOf("usm-test"u8) >= 0);
    }

    private static (UsmError? Error, SnmpMessage Report) Reported(SnmpAgent agent, byte[] wire, UsmUser? user = null)
    {
        var reply = agent.Handle(wire, Peer);
        Assert.NotNull(reply);
        Assert.True(SnmpMessage.TryDecode(reply, out var m, out var error), error);
        if (m!.V3!.Authenticated) Assert.True(UserSecurityModel.Authenticate(reply, UsmKeys.For(user!, agent.EngineId.Span)));
        Assert.Equal(PduType.Report, m.Pdu.Type);
        Assert.Equal(agent.EngineId.ToArray(), m.V3.EngineId.ToArray());
        return (UsmErrors.FromOid(Assert.Single(m.Pdu.VarBinds).Oid), m);
    }

    [Fact]
    public void discovery_is_answered_with_the_engine_id_boots_and_time()
    {
        var agent = Agent(UserFor(UsmAuthProtocol.Sha256));
        var probe = UserSecurityModel.Encode(new SnmpV3Header { MessageId = 9, Flags = 4 }, new SnmpPdu { Type = PduType.GetRequest, RequestId = 3 }, null);
        var (error, report) = Reported(agent, probe);
        Assert.Equal(UsmError.UnknownEngineId, error);
        Assert.Equal(9, report.V3!.MessageId);
        Assert.Equal(1, report.V3.EngineBoots);
        Assert.InRange(report.V3.EngineTime, 0, 5);
        Assert.False(report.V3.Authenticated);
        Assert.Equal(1, agent.Counters.UnknownEngineId);
        Assert.Equal(1u, (uint)report.Pdu.VarBinds[0].Value.Unsigned);
    }

    [Fact]
    public void an_unknown_user_is_reported_and_counted()
    {
        var agent = Agent(UserFor(UsmAuthProtocol.Sha256));
        var (error, _) = Reported(agent, Request(agent, UserFor(UsmAuthProtocol.Sha256, "mallory"), SnmpSecurityLevel.AuthNoPriv, SnmpPdu.Request(PduType.GetRequest, 1, [Oid.Parse("1.3.6.1.2.1.1.5.0")])));
        Assert.Equal(UsmError.UnknownUserName, error);
        Assert.Equal(1, agent.Counters.UnknownUserName);
    }

    [Theory]
    [InlineData(UsmAuthProtocol.Sha1)]
    [InlineData(UsmAuthProtocol.Sha256)]
    [InlineData(UsmAuthProtocol.Sha512)]
    public void a_tampered_or_wrongly_keyed_message_is_refused_as_wrong_digest(UsmAuthProtocol protocol)
    {
        var user = UserFor(protocol);
        var agent = Agent(user);
        var wire = Request(agent, user, SnmpSecurityLevel.AuthNoPriv, SnmpPdu.Request(PduType.GetRequest, 1, [Oid.Parse("1.3.6.1.2.1.1.5.0")]));
        wire[^3] ^= 0x01; // one bit of the OID: still well-formed, no longer what was signed
        Assert.Equal(UsmError.WrongDigest, Reported(agent, wire).Error);
        var wrongPassword = Request(agent, user with { AuthPassword = "not-the-password" }, SnmpSecurityLevel.AuthNoPriv, SnmpPdu.Request(PduType.GetRequest, 1, [Oid.Parse("1.3.6.1.2.1.1.5.0")]));
        Assert.Equal(UsmError.WrongDigest, Reported(agent, wrongPassword).Error);
        Assert.Equal(2, agent.Counters.WrongDigest);
        Assert.Equal(0, agent.Counters.OutPackets - 2);
    }

    [Theory]
    [InlineData(1, 151)]
    [InlineData(1, -151)]
    [InlineData(2, 0)]
    public void outside_the_time_window_is_reported_signed_with_the_engines_time(int boots, int skew)
    {
        var user = UserFor(UsmAuthProtocol.Sha256);
        var agent = Agent(user);
        var pdu = SnmpPdu.Request(PduType.GetRequest, 1, [Oid.Parse("1.3.6.1.2.1.1.5.0")]);
        var (error, report) = Reported(agent, Request(agent, user, SnmpSecurityLevel.AuthPriv, pdu, boots: boots, time: agent.EngineTime + skew), user);
        Assert.Equal(UsmError.NotInTimeWindow, error);
        // Signed (authNoPriv) so the manager may trust the time it carries.
        Assert.True(report.V3!.Authenticated);
        Assert.False(report.V3.Private);
        Assert.Equal(1, report.V3.EngineBoots);
        Assert.Equal(1, agent.Counters.NotInTimeWindow);
        // Within the window it is answered.
        Assert.Equal(PduType.Response, Open(agent, user, agent.Handle(Request(agent, user, SnmpSecurityLevel.AuthPriv, pdu, time: agent.EngineTime + 149), Peer)!).Pdu.Type);
    }

    [Fact]
    public void a_wrong_privacy_password_is_a_decryption_error()
    {
        var user = UserFor(UsmAuthProtocol.Sha1);
        var agent = Agent(user);
        var wire = Request(agent, user with { PrivPassword = "wrong-priv-pass" }, SnmpSecurityLevel.AuthPriv, SnmpPdu.Request(PduType.GetRequest, 1, [Oid.Parse("1.3.6.1.2.1.1.5.0")]));
        Assert.Equal(UsmError.DecryptionError, Reported(agent, wire).Error);
        Assert.Equal(1, agent.Counters.DecryptionError);
    }

    [Fact]
    public void a_level_above_the_users_passwords_is_unsupported_and_below_its_minimum_is_not_authorised()
    {
        var authOnly = new UsmUser("bob") { AuthProtocol = UsmAuthProtocol.Sha256, AuthPassword = "auth-pass-1" };
        var agent = Agent(authOnly, UserFor(UsmAuthProtocol.Sha256));
        var pdu = SnmpPdu.Request(PduType.GetRequest, 1, [Oid.Parse("1.3.6.1.2.1.1.5.0")]);
        var asPriv = Request(agent, authOnly with { PrivProtocol = UsmPrivProtocol.Aes128, PrivPassword = "priv-pass-1" }, SnmpSecurityLevel.AuthPriv, pdu);
        Assert.Equal(UsmError.UnsupportedSecLevel, Reported(agent, asPriv).Error);
        Assert.Equal(1, agent.Counters.UnsupportedSecLevel);
        var plain = Open(agent, authOnly, agent.Handle(Request(agent, authOnly, SnmpSecurityLevel.NoAuthNoPriv, pdu), Peer)!);
        Assert.Equal(SnmpErrorStatus.AuthorizationError, plain.Pdu.ErrorStatus);
    }

    [Fact]
    public void an_unknown_context_is_reported()
    {
        var user = UserFor(UsmAuthProtocol.Sha256);
        var agent = Agent(user);
        var wire = Request(agent, user, SnmpSecurityLevel.AuthPriv, SnmpPdu.Request(PduType.GetRequest, 1, [Oid.Parse("1.3.6.1.2.1.1.5.0")]), context: "bridge1");
        Assert.Equal(UsmError.UnknownContext, Reported(agent, wire).Error);
    }

    [Theory]
    [InlineData(484)]
    [InlineData(1472)]
    public void getbulk_answers_fit_the_maximum_size_with_the_v3_overhead(int maxSize)
    {
        var user = UserFor(UsmAuthProtocol.Sha512);
        var agent = new SnmpAgent(new SnmpAgentOptions { Users = [user], MaxMessageSize = maxSize }, b =>
        {
            for (uint i = 1; i <= 300; i++) b.Cell(Oid.Parse("1.3.6.1.2.1.6.20.1.4"), [1, 4, 127, 0, 0, 1, i], SnmpValue.Gauge32(i));
            return b.Build();
        });
        var reply = agent.Handle(Request(agent, user, SnmpSecurityLevel.AuthPriv, SnmpPdu.GetBulk(1, 0, 200, [Oid.Parse("1.3.6.1.2.1.6")])), Peer);
        Assert.NotNull(reply);
        Assert.InRange(reply.Length, maxSize - 120, maxSize);
        var m = Open(agent, user, reply);
        Assert.Equal(SnmpErrorStatus.NoError, m.Pdu.ErrorStatus);
        Assert.NotEmpty(m.Pdu.VarBinds);
    }

    [Fact]
    public void the_users_file_reads_net_snmps_create_user_and_rouser_lines()
    {
        var users = UsmUserFile.Parse("""
            # net-snmp's spelling
            createUser alice SHA-256 "auth pass 1" AES "priv pass 1"
            createUser bob SHA authpass11
            createUser carol MD5 samepassword AES
            createUser dave
            rouser alice priv
            rouser dave noauth
            """, "users.conf");
        Assert.Equal(["alice", "bob", "carol", "dave"], users.Select(u => u.Name));
        Assert.Equal(new UsmUser("alice") { AuthProtocol = UsmAuthProtocol.Sha256, AuthPassword = "auth pass 1", PrivProtocol = UsmPrivProtocol.Aes128, PrivPassword = "priv pass 1", MinimumLevel = SnmpSecurityLevel.AuthPriv }, users[0]);
        Assert.Equal(SnmpSecurityLevel.AuthNoPriv, users[1].EffectiveMinimumLevel);
        Assert.Equal("samepassword", users[2].PrivPassword);
        Assert.Equal(SnmpSecurityLevel.NoAuthNoPriv, users[3].EffectiveMinimumLevel);
    }

    [Theory]
    [InlineData("createUser a SHA authpass11 DES privpass11", "users.conf:1", "DES privacy is not supported")]
    [InlineData("createUser a SHA short", "users.conf", "shorter than 8")]
    [InlineData("createUser -e 0x8000 a SHA authpass11", "users.conf:1", "--engine-id")]
    [InlineData("createUser a SHA-999 authpass11", "users.conf:1", "authentication protocol")]
    [InlineData("rouser a auth .1.3.6", "users.conf:1", "not supported")]
    [InlineData("rocommunity public", "users.conf:1", "only createUser, rouser and rwuser")]
    [InlineData("createUser a SHA authpass11\nrouser b", "users.conf", "no createUser line")]
    [InlineData("createUser a\nrouser a priv", "users.conf", "above what its passwords allow")]
    public void the_users_file_refuses_what_sock_cannot_honour(string text, string where, string why)
    {
        var ex = Assert.Throws<Sock.Core.Errors.SockException>(() => UsmUserFile.Parse(text, "users.conf"));
        Assert.Equal(where, ex.Target);
        Assert.Contains(why, ex.Reason, StringComparison.Ordinal);
    }
}
