# Dovecot Sieve: file mail into the folder mxwarden names in its
# routing header (rules "route NAME FOLDER", and routing.junk_folder for
# spam). Install as a global before-script (sieve_before in
# 90-sieve.conf) and compile it with sievec.
require ["fileinto", "mailbox", "variables"];

if header :matches "X-Mxwarden-Folder" "*" {
	set "folder" "${1}";
	# Only plain folder names: no hierarchy tricks from a forged header.
	if string :matches "${folder}" ["*/*", "*..*", ""] {
		stop;
	}
	fileinto :create "${folder}";
	stop;
}
