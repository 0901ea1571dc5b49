#!/bin/sh
# bundle.sh: a mappings/ folder as one input of the mapping fuzz target
# (a "bundle", described in tests/fuzz/mapping_fuzzer.c), and back.
#
#   tests/fuzz/bundle.sh pack DIR > FILE     the folder's files, as the
#                                            loader reads them, in one file
#   tests/fuzz/bundle.sh unpack FILE DIR     the files of a bundle into DIR,
#                                            e.g. to run `dsmap check DIR`
#                                            on a crash input
#
# Each file of a bundle starts with a line "#> PATH".  pack ends a file
# without a final newline with one (else the next marker would not start
# a line); unpack writes the paths the fuzz target writes and skips the
# others, and ends every file with a newline.  POSIX sh and awk; text files
# only (a NUL byte does not survive awk).
set -eu

usage() {
	echo "usage: bundle.sh pack DIR > FILE | bundle.sh unpack FILE DIR" >&2
	exit 2
}

TOP="notice.yaml categories.yaml recipients.yaml subject-kinds.yaml rights.yaml"

pack() {
	dir=$1
	[ -d "$dir" ] || { echo "bundle.sh: $dir: not a directory" >&2; exit 1; }
	for rel in $TOP; do
		if [ -f "$dir/$rel" ]; then emit "$dir" "$rel"; fi
	done
	for sub in purposes systems; do
		[ -d "$dir/$sub" ] || continue
		# shellcheck disable=SC2012
		ls "$dir/$sub" | LC_ALL=C sort | while read -r name; do
			case $name in .*) continue ;; esac
			if [ -f "$dir/$sub/$name" ]; then emit "$dir" "$sub/$name"; fi
		done
	done
	return 0
}

emit() {
	printf '#> %s\n' "$2"
	cat "$1/$2"
	if [ -s "$1/$2" ] && [ "$(tail -c 1 "$1/$2" | od -An -c | tr -d ' ')" != '\n' ]; then
		echo
	fi
}

unpack() {
	file=$1 dir=$2
	mkdir -p "$dir/purposes" "$dir/systems"
	LC_ALL=C awk -v dir="$dir" -v top="$TOP" '
		BEGIN { n = split(top, t, " "); for (i = 1; i <= n; i++) ok[t[i]] = 1 }
		function valid(p) {
			if (p in ok) return 1
			return p ~ /^(purposes|systems)\/[A-Za-z0-9_-][A-Za-z0-9._-]*$/ &&
			       length(p) - index(p, "/") <= 64
		}
		/^#> / {
			if (out != "") close(out)
			p = substr($0, 4)
			sub(/\r$/, "", p)
			out = valid(p) ? dir "/" p : ""
			if (out != "") printf "" > out
			next
		}
		out != "" { print >> out }
	' "$file"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
pack) [ $# -eq 1 ] || usage; pack "$1" ;;
unpack) [ $# -eq 2 ] || usage; unpack "$1" "$2" ;;
*) usage ;;
esac
