#!/usr/bin/env bash
# Installs the system tools the test suite uses as judges and peers, from Debian's packages:
# rpm/rpmbuild (header reader checks), createrepo_c (parity), dnf (the client), nginx (serving),
# chromium (what a person sees, driven by playwright-core), openssl and gnupg (certificates and
# signatures of the sync tests' upstream), util-linux (setpriv, mount of a small tmpfs),
# docker-registry and apache2-utils (a registry on loopback behind htpasswd, for images check),
# apt-utils (apt-ftparchive, the apt index peer), dpkg (dpkg-deb, dpkg --compare-versions), bzip2,
# xz-utils (xz, the judge of Packages.xz).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  rpm createrepo-c dnf dnf-plugins-core nginx chromium gnupg openssl ca-certificates util-linux \
  docker-registry apache2-utils apt-utils dpkg bzip2 xz-utils >/dev/null
echo "test dependencies installed: $(rpm --version), createrepo_c $(createrepo_c --version | awk '{print $2}'), dnf $(dnf --version | head -1), $(nginx -v 2>&1)"
chromium --version
