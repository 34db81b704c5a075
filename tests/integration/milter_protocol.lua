-- miltertest script: drives the mxwarden milter over the milter protocol
-- (the daemon runs with the test-only stub pipeline, see
-- tests/milter/stub_pipeline.c). MILTER_SOCK names its socket.
-- Each check prints "ok NAME" or stops with "NAME: got X, want Y".

local sock = os.getenv("MILTER_SOCK")
mt.set_timeout(10)

local function check(name, got, want)
	if got ~= want then
		-- miltertest does not print error() text: echo it first.
		mt.echo("FAIL " .. name .. ": got " .. tostring(got) ..
		    ", want " .. tostring(want))
		error(name .. ": got " .. tostring(got) .. ", want " ..
		    tostring(want))
	end
	mt.echo("ok " .. name)
end

local function open(ip)
	local conn = mt.connect(sock, 20, 0.25)
	if conn == nil then
		error("cannot connect to " .. sock)
	end
	check("conninfo " .. ip, mt.conninfo(conn, "client.example.net", ip),
	    nil)
	check("helo", mt.helo(conn, "client.example.net"), nil)
	return conn
end

-- One transaction up to end of message; returns the EOM reply.
local function send(conn, qid, from, subject, headers, user)
	if user ~= nil then
		mt.macro(conn, SMFIC_MAIL, "i", qid, "{auth_authen}", user)
	else
		mt.macro(conn, SMFIC_MAIL, "i", qid)
	end
	check(qid .. " mailfrom", mt.mailfrom(conn, from), nil)
	if mt.getreply(conn) ~= SMFIR_CONTINUE then
		return mt.getreply(conn)
	end
	check(qid .. " rcptto", mt.rcptto(conn, "<bob@example.org>"), nil)
	mt.header(conn, "From", "Alice <alice@example.com>")
	mt.header(conn, "To", "bob@example.org")
	mt.header(conn, "Subject", subject)
	for _, h in ipairs(headers or {}) do
		mt.header(conn, h[1], h[2])
	end
	check(qid .. " eoh", mt.eoh(conn), nil)
	check(qid .. " body", mt.bodystring(conn, "Hello.\r\n"), nil)
	check(qid .. " eom", mt.eom(conn), nil)
	return mt.getreply(conn)
end

-- miltertest negotiates SMFIP_HDR_LEADSPC, so values we add or change
-- carry their leading space.

-- 1. A clean inbound message: continue, our A-R on top, spam status
-- "No", a forged A-R with our authserv-id deleted, a foreign one kept.
local c = open("192.0.2.10")
local r = send(c, "Q1", "<alice@example.com>", "hello",
    { { "Authentication-Results", "mx.test; dkim=pass header.d=evil" },
      { "Authentication-Results", "other.example; spf=pass" },
      { "X-Spam-Status", "No, forged" } })
check("clean reply", r, SMFIR_CONTINUE)
check("A-R inserted", mt.eom_check(c, MT_HDRINSERT,
    "Authentication-Results", " mx.test; spf=none smtp.mailfrom=" ..
    "alice@example.com"), true)
check("forged A-R deleted", mt.eom_check(c, MT_HDRDELETE,
    "Authentication-Results"), true)
check("forged X-Spam-Status deleted", mt.eom_check(c, MT_HDRDELETE,
    "X-Spam-Status"), true)
check("status added", mt.eom_check(c, MT_HDRADD, "X-Spam-Status"), true)
check("status says No", string.sub(mt.getheader(c, "X-Spam-Status", 0),
    1, 4), " No,")
check("no flag on ham", mt.eom_check(c, MT_HDRADD, "X-Spam-Flag"), false)

-- 2. Reject at end of message: 550 with the reason, '%' escaped.
r = send(c, "Q2", "<alice@example.com>", "STUB-REJECT now")
check("reject reply", r, SMFIR_REPLYCODE)
-- (miltertest compares code, enhanced code and text only all together)
check("reject code", mt.eom_check(c, MT_SMTPREPLY, "550", "5.7.1",
    "Message refused by stub policy (100%% sure)"), true)

-- 3. Tag the subject with the configured tag.
r = send(c, "Q3", "<alice@example.com>", "STUB-TAG offer")
check("tag reply", r, SMFIR_CONTINUE)
check("subject tagged", mt.eom_check(c, MT_HDRCHANGE, "Subject",
    " [SPAM] STUB-TAG offer"), true)
check("flag set", mt.eom_check(c, MT_HDRADD, "X-Spam-Flag", " YES"), true)

-- 4. Quarantine (Postfix hold queue).
r = send(c, "Q4", "<alice@example.com>", "STUB-QUARANTINE x")
check("quarantine reply", r, SMFIR_CONTINUE)
check("quarantined", mt.eom_check(c, MT_QUARANTINE), true)

-- 5. Tempfail verdict: 451 4.7.x.
r = send(c, "Q5", "<alice@example.com>", "STUB-TEMPFAIL x")
check("tempfail reply", r, SMFIR_REPLYCODE)
check("tempfail code", mt.eom_check(c, MT_SMTPREPLY, "451", "4.7.1",
    "stub tempfail"), true)

-- 6. An internal error maps to the safe action (tempfail), never discard.
r = send(c, "Q6", "<alice@example.com>", "STUB-ERROR x")
check("error reply", r, SMFIR_REPLYCODE)
local safe = "mxwarden: temporary failure, try again later"
check("error is 451", mt.eom_check(c, MT_SMTPREPLY, "451", "4.7.1", safe),
    true)

-- 7. SPF at MAIL FROM: refused before DATA.
mt.macro(c, SMFIC_MAIL, "i", "Q7")
check("spf mailfrom", mt.mailfrom(c, "<spf-fail@example.com>"), nil)
check("spf refused at MAIL", mt.getreply(c), SMFIR_REPLYCODE)

-- 8. The time budget (3 s in the test config): a 6 s check gives the
-- safe action after about 3 s.
local t0 = os.time()
r = send(c, "Q8", "<alice@example.com>", "STUB-SLEEP=6")
check("budget reply", r, SMFIR_REPLYCODE)
check("budget is 451", mt.eom_check(c, MT_SMTPREPLY, "451", "4.7.1",
    safe), true)
check("budget kept", os.time() - t0 < 6, true)

-- 9. Aborted transaction, then a new one on the same connection.
mt.macro(c, SMFIC_MAIL, "i", "Q9")
check("abort mailfrom", mt.mailfrom(c, "<alice@example.com>"), nil)
check("abort rcpt", mt.rcptto(c, "<bob@example.org>"), nil)
check("abort", mt.abort(c), nil)
r = send(c, "Q10", "<alice@example.com>", "after abort")
check("after abort", r, SMFIR_CONTINUE)
mt.disconnect(c)

-- 10. Outbound: a SASL-authenticated client gets a DKIM-Signature and
-- no inbound headers.
c = open("198.51.100.7")
r = send(c, "Q11", "<alice@example.com>", "STUB-REJECT ignored outbound",
    {}, "alice")
check("outbound reply", r, SMFIR_CONTINUE)
check("signed", mt.eom_check(c, MT_HDRINSERT, "DKIM-Signature"), true)
check("signature value", string.find(mt.getheader(c, "DKIM-Signature", 0),
    "user=alice", 1, true) ~= nil, true)
check("no A-R outbound", mt.eom_check(c, MT_HDRINSERT,
    "Authentication-Results"), false)
mt.disconnect(c)

-- 11. Trusted network (10.9.0.0/16 in the test config) is outbound too.
c = open("10.9.1.2")
r = send(c, "Q12", "<alice@example.com>", "hello")
check("trusted signed", mt.eom_check(c, MT_HDRINSERT, "DKIM-Signature"),
    true)
mt.disconnect(c)

-- 12. Abrupt disconnect in the middle of a message, then the daemon
-- still serves.
c = open("192.0.2.11")
mt.macro(c, SMFIC_MAIL, "i", "Q13")
mt.mailfrom(c, "<alice@example.com>")
mt.rcptto(c, "<bob@example.org>")
mt.header(c, "Subject", "cut")
mt.disconnect(c, false)
c = open("192.0.2.12")
r = send(c, "Q14", "<alice@example.com>", "still alive")
check("alive after abrupt close", r, SMFIR_CONTINUE)
mt.disconnect(c)
mt.echo("all milter protocol checks passed")
