/**
 * The Perl program of the helper spawner (helper-spawner.ts): a small long-lived process that forks
 * and execs the agent's helper commands so the large Node process does not (Node's spawn forks the
 * whole process synchronously on the main thread: page tables of 100+ MB copied per helper). Perl is
 * part of every Debian system (perl-base) and uses only core modules here.
 *
 * Protocol, one line per message, every variable field hex-encoded (`-` = none):
 *   in:  R <id> <flags> <cwd> <stdin> <stdout> <stderr> <env> x<file> x<arg>...  (x: an empty arg stays a field)
 *          flags: letters; `s` setsid, `3` a pipe as fd 3 (forwarded), `-` none
 *          stdin: `-` /dev/null, `x<hex>` a pipe given these bytes then closed (small: < 64 KiB)
 *          stdout/stderr: `p` a pipe (forwarded), `-` /dev/null, `f<hex>` a file (created/truncated)
 *          env: `-` the spawner's own, else x + hex of NUL-separated K=V
 *        K <id> <signal>   kill the command
 *        D <id>            stop forwarding its pipes (closed here); its exit is still reported
 *   out: P <id> <pid> | 1|2|3 <id> <hex chunk> (stdout, stderr, fd 3) |
 *        X <id> <code> <signal> <errno>  once it was reaped and its pipes closed; errno > 0: exec failed
 * The spawner exits when its stdin closes (the agent is gone); commands still running carry on.
 */
export const HELPER_SPAWNER_SCRIPT = String.raw`
use strict; use warnings;
use POSIX qw(:sys_wait_h);
use Fcntl qw(F_SETFD O_WRONLY O_CREAT O_TRUNC O_RDWR);
use IO::Select;
# SIGPIPE stays default (children inherit an ignored one): writing to a gone agent ends the spawner.
$SIG{CHLD} = sub {};
sysopen(my $devnull, '/dev/null', O_RDWR) or die;
$| = 1;
binmode STDIN; binmode STDOUT;
my $sel = IO::Select->new(\*STDIN);
my (%jobs, %pidjob, %fhjob);
my $inbuf = '';

sub unhex { return pack('H*', $_[0]) }
sub finish {
  my ($j) = @_;
  return if $j->{open} > 0 || !defined $j->{status};
  my $st = $j->{status};
  my $code = WIFEXITED($st) ? WEXITSTATUS($st) : -1;
  my $sig = WIFSIGNALED($st) ? WTERMSIG($st) : 0;
  print "X $j->{id} $code $sig $j->{errno}\n";
  delete $jobs{$j->{id}};
}
sub closefh {
  my ($fh) = @_;
  my $e = delete $fhjob{fileno($fh)};
  $sel->remove($fh);
  close $fh;
  if ($e) { $e->[0]{open}--; finish($e->[0]); }
}
sub watchfh {
  my ($j, $fh, $tag) = @_;
  $fhjob{fileno($fh)} = [$j, $tag, $fh];
  $j->{open}++;
  $sel->add($fh);
}
sub todup {
  my ($fh, $fd) = @_;
  my $src = fileno($fh);
  if ($src == $fd) { fcntl($fh, F_SETFD, 0) or die; }
  else { POSIX::dup2($src, $fd) // die; }
}
sub outfh {
  my ($spec) = @_;
  return undef if $spec eq 'p';
  return $devnull if $spec eq '-';
  sysopen(my $f, unhex(substr($spec, 1)), O_WRONLY | O_CREAT | O_TRUNC, 0644) or return undef;
  return $f;
}
# Everything is decoded, opened and put into %ENV here, before the fork: the child then only makes
# system calls (each page it wrote would be copied: perl writes reference counts on every op).
sub start {
  my ($id, $flags, $cwd, $stdin, $out, $err, $env, $file, @args) = @_;
  my $j = { id => $id, open => 0, errno => 0 };
  $jobs{$id} = $j;
  my $path = unhex(substr($file, 1));
  my @argv = map { unhex(substr($_, 1)) } @args;
  my $dir = $cwd eq '-' ? undef : unhex($cwd);
  my $setsid = $flags =~ /s/;
  my ($xr, $xw, $ir, $iw, $or, $ow, $er, $ew, $sr, $sw);
  my $ok = pipe($xr, $xw);
  $ok &&= pipe($ir, $iw) if $stdin ne '-';
  $ok &&= pipe($or, $ow) if $out eq 'p';
  $ok &&= pipe($er, $ew) if $err eq 'p';
  $ok &&= pipe($sr, $sw) if $flags =~ /3/;
  my $fo = $out eq 'p' ? $ow : outfh($out);
  my $fe = $err eq 'p' ? $ew : outfh($err);
  $ok &&= defined($fo) && defined($fe);
  my %saved = $env ne '-' ? %ENV : ();
  %ENV = map { split(/=/, $_, 2) } split(/\0/, unhex(substr($env, 1))) if $env ne '-';
  my $pid = $ok ? fork() : undef;
  if (defined $pid && $pid == 0) {
    eval {
      POSIX::setsid() if $setsid;
      if (defined $dir) { chdir($dir) or die; }
      todup($stdin eq '-' ? $devnull : $ir, 0);
      todup($fo, 1);
      todup($fe, 2);
      todup($sw, 3) if $sw;
      exec { $path } $path, @argv;
    };
    syswrite($xw, (($! + 0) || 1) . '');
    POSIX::_exit(127);
  }
  %ENV = %saved if $env ne '-';
  if (!defined $pid) {
    print "X $id -1 0 " . (($! + 0) || 12) . "\n";
    delete $jobs{$id};
    return;
  }
  $j->{pid} = $pid;
  $pidjob{$pid} = $j;
  print "P $id $pid\n";
  close $xw; watchfh($j, $xr, 'x');
  if ($stdin ne '-') {
    close $ir;
    my $data = unhex(substr($stdin, 1));
    local $SIG{PIPE} = 'IGNORE'; # the command may exit without reading
    syswrite($iw, $data) if length $data;
    close $iw;
  }
  if ($out eq 'p') { close $ow; watchfh($j, $or, '1'); }
  if ($err eq 'p') { close $ew; watchfh($j, $er, '2'); }
  if ($flags =~ /3/) { close $sw; watchfh($j, $sr, '3'); }
}
sub command {
  my @f = split / /, $_[0];
  my $op = shift @f;
  if ($op eq 'R') { start(@f); }
  elsif ($op eq 'K') { my $j = $jobs{$f[0]}; kill($f[1], $j->{pid}) if $j && $j->{pid}; }
  elsif ($op eq 'D') {
    my $j = $jobs{$f[0]};
    return unless $j;
    for my $e (grep { $_->[0] == $j && $_->[1] ne 'x' } values %fhjob) { closefh($e->[2]); }
  }
}
sub reap {
  while ((my $pid = waitpid(-1, WNOHANG)) > 0) {
    my $j = delete $pidjob{$pid};
    next unless $j;
    $j->{status} = $?;
    finish($j);
  }
}
while (1) {
  for my $fh ($sel->can_read(1)) {
    if (fileno($fh) == 0) {
      my $n = sysread(STDIN, my $buf, 65536);
      if (!defined $n) { next if $!{EINTR} || $!{EAGAIN}; exit 0; }
      exit 0 if $n == 0;
      $inbuf .= $buf;
      while ($inbuf =~ s/^([^\n]*)\n//) { command($1); }
      next;
    }
    my $e = $fhjob{fileno($fh)};
    next unless $e;
    my $n = sysread($fh, my $buf, 65536);
    if ($n) {
      if ($e->[1] eq 'x') { $e->[0]{errno} = $buf + 0; }
      else { print "$e->[1] $e->[0]{id} " . unpack('H*', $buf) . "\n"; }
    } elsif (defined $n || !($!{EINTR} || $!{EAGAIN})) { closefh($fh); }
  }
  reap();
}
`;
