#!/bin/sh
# Install the Debian packages given as arguments that are not installed yet.
# As root: apt-get installs them. Otherwise: print the exact command and fail.
# A first argument --no-install-recommends is passed on to apt-get (LibreOffice's
# recommends would add a Java bridge and more that deckgen does not use).
options=""
if [ "$1" = "--no-install-recommends" ]; then options=" $1"; shift; fi
missing=""
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing:$missing"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$options$missing >/dev/null
else
  echo "deckgen needs these system packages:$missing" >&2
  echo "run:  sudo apt-get update && sudo apt-get install -y$options$missing" >&2
  echo "then run make again." >&2
  exit 1
fi
