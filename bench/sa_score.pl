#!/usr/bin/perl
# Score messages with Debian's SpamAssassin in one process, network tests
# off (as spamassassin -t -L), Bayes and AWL off, and print
# "SCORE<TAB>PATH<TAB>RULES HIT" per message, then messages per second of CPU time on
# standard error. Used by bench/quality.sh and bench/rules.sh.
use strict;
use warnings;
use Mail::SpamAssassin;
use Time::HiRes qw(clock);

my $sa = Mail::SpamAssassin->new({
	local_tests_only => 1,
	dont_copy_prefs => 1,
	userprefs_filename => '/dev/null',
	post_config_text => "use_bayes 0\nuse_auto_welcomelist 0\n",
});
$sa->compile_now(0);
my $n = 0;
my $t0 = clock();
for my $f (@ARGV) {
	open(my $fh, '<', $f) or next;
	local $/;
	my $txt = <$fh>;
	close($fh);
	my $m = $sa->parse($txt);
	my $st = $sa->check($m);
	printf("%.2f\t%s\t%s\n", $st->get_score(), $f,
	    $st->get_names_of_tests_hit());
	$st->finish();
	$m->finish();
	$n++;
}
my $cpu = clock() - $t0;
printf(STDERR "spamassassin: %d messages, %.2f s CPU, %.1f msg/s/core\n",
    $n, $cpu, $cpu > 0 ? $n / $cpu : 0);
