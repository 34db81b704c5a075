-- miltertest script for milter_reload.sh: one inbound message with the
-- Subject $SUBJECT; the verdict must change it to $WANT (the tag the
-- configuration in force when the message started asks for).
local sock = os.getenv("MILTER_SOCK")
local subject = os.getenv("SUBJECT")
local want = os.getenv("WANT")
mt.set_timeout(30)
local c = mt.connect(sock, 20, 0.25)
if c == nil then
	mt.echo("FAIL connect " .. sock)
	error("connect")
end
mt.conninfo(c, "client.example.net", "192.0.2.20")
mt.helo(c, "client.example.net")
mt.macro(c, SMFIC_MAIL, "i", os.getenv("QID"))
mt.mailfrom(c, "<alice@example.com>")
mt.rcptto(c, "<bob@example.org>")
mt.header(c, "From", "alice@example.com")
mt.header(c, "Subject", subject)
mt.eoh(c)
mt.bodystring(c, "Hello.\r\n")
mt.eom(c)
if mt.getreply(c) ~= SMFIR_CONTINUE then
	mt.echo("FAIL reply " .. tostring(mt.getreply(c)))
	error("reply")
end
-- With SMFIP_HDR_LEADSPC the changed value keeps its leading space.
if not mt.eom_check(c, MT_HDRCHANGE, "Subject", " " .. want) then
	mt.echo("FAIL subject: want " .. want)
	error("subject")
end
mt.echo("ok " .. want)
mt.disconnect(c)
