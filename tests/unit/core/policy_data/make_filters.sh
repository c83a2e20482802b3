#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds pwqfilter test filters with the real pwqfilter (Debian's passwdqc)
# and records pwqfilter's own lookup answers, which the reader must match.
# Usage: make_filters.sh OUTDIR
set -eu
out=$1
mkdir -p "$out"
cd "$out"
: > leaked.txt
i=1
while [ $i -le 20000 ]; do echo "leaked-$i"; i=$((i + 1)); done > leaked.txt
printf '%s\n' 'Xyzzy.Pl0ugh-leaked' 'Sécurité2024!' 'Пароль-утёк' >> leaked.txt
printf 'Caf\351-cp1252\n' >> leaked.txt  # a CP1252 byte, for the NTLM mapping
# Candidates: every leaked entry plus as many that were never inserted.
{ cat leaked.txt; i=1; while [ $i -le 20000 ]; do echo "fresh-$i"; i=$((i + 1)); done; } > candidates.txt
# Nearly full: mostly four 33-bit fingerprints per bucket.
pwqfilter --create=20600 --hash-md4 -o full-md4.pwq < leaked.txt
# Sparse: buckets of one, two or three wider fingerprints.
pwqfilter --create=200000 --hash-md4 -o sparse-md4.pwq < leaked.txt
pwqfilter --create=40000 --hash-ntlm-cp1252 -o ntlm.pwq < leaked.txt
for f in full-md4 sparse-md4 ntlm; do
  pwqfilter -f "$f.pwq" --lookup < candidates.txt > "$f.matches"
done
