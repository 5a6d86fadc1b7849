#!/usr/bin/env bash
# Runs ANS CDA schematrons over CDA documents with Saxon-HE (Debian libsaxonhe-java + a JRE) and
# fails when one reports a failed assertion.
#
#   run.sh <ans-cda dir> <cache dir> <documents dir> <schematron>...
#
# <schematron> is a path under <ans-cda>/schematrons (profils/IHE.sch). Each is compiled once with
# the ISO skeleton XSLTs of schematrons/moteur (include, abstract expansion, SVRL for XSLT 2) into
# <cache dir>, and recompiled only when the .sch is newer. Then one Saxon run per schematron checks
# every *.xml of <documents dir>, writing the SVRL reports to <documents dir>/svrl/<name>/; each
# svrl:failed-assert is printed. Exit 0: no failed assertion; 1: some; 2: usage or tool error.
set -euo pipefail

if [ $# -lt 4 ]; then
  echo "usage: $0 <ans-cda dir> <cache dir> <documents dir> <schematron>..." >&2
  exit 2
fi
reference=$(cd "$1" && pwd)
mkdir -p "$2"
cache=$(cd "$2" && pwd)
documents=$(cd "$3" && pwd)
shift 3

saxon=/usr/share/java/Saxon-HE.jar
if [ ! -f "$saxon" ] || ! command -v java >/dev/null || ! command -v xmllint >/dev/null; then
  echo "run.sh: needs Saxon-HE, java and xmllint: apt-get install libsaxonhe-java" \
       "default-jre-headless libxml2-utils (scripts/setup.sh)" >&2
  exit 2
fi
xslt() { java -cp "$saxon" net.sf.saxon.Transform "$@"; }

moteur=$reference/schematrons/moteur
status=0
for sch in "$@"; do
  source=$reference/schematrons/$sch
  name=$(basename "$sch" .sch)
  compiled=$cache/$name.xsl
  if [ ! -f "$compiled" ] || [ "$source" -nt "$compiled" ]; then
    # Intermediate files named by this process: ctest -j may compile the same one twice at once;
    # the last mv wins with a complete file either way.
    work=$cache/$name.$$
    xslt -s:"$source" -xsl:"$moteur/iso_dsdl_include.xsl" -o:"$work.included.sch"
    xslt -s:"$work.included.sch" -xsl:"$moteur/iso_abstract_expand.xsl" -o:"$work.expanded.sch"
    xslt -s:"$work.expanded.sch" -xsl:"$moteur/iso_svrl_for_xslt2.xsl" -o:"$work.xsl"
    # The rules read value sets with document('include/…') relative to the .sch: give the
    # compiled stylesheet the .sch's folder as its base URI, since it lives in the cache.
    sed -i "0,/<xsl:stylesheet /s||<xsl:stylesheet xml:base=\"file:$(dirname "$source")/\" |" \
      "$work.xsl"
    mv "$work.xsl" "$compiled"
    rm -f "$work.included.sch" "$work.expanded.sch"
  fi
  reports=$documents/svrl/$name
  rm -rf "$reports"
  mkdir -p "$reports"
  # A folder as source: one JVM for every document.
  xslt -s:"$documents" -xsl:"$compiled" -o:"$reports" -ext:off
  for report in "$reports"/*.xml; do
    count=$(xmllint --xpath 'count(//*[local-name()="failed-assert"])' "$report")
    if [ "$count" != "0" ]; then
      echo "FAILED $name: $count failed assertion(s) on $(basename "$report"):"
      xmllint --xpath '//*[local-name()="failed-assert"]' "$report" | sed 's/^/  /'
      echo
      status=1
    else
      echo "ok $name on $(basename "$report")"
    fi
  done
done
exit $status
