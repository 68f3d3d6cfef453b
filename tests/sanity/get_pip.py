# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Offline stand-in for the pip bootstrap script that ansible-test downloads.

ansible-test creates each of its virtual environments without pip, then runs
``~/.ansible/test/cache/get_pip_<version>.py`` with arguments such as
``--disable-pip-version-check pip==24.2 --no-setuptools --no-wheel``.  When that file is missing
it downloads it from ci-files.testing.ansible.com, which a machine that reaches only PyPI cannot
do.  tests/sanity/run.sh copies this file to that name and puts pip's own wheel, downloaded from
PyPI with ``pip download``, beside it; this script installs pip from that wheel and touches no
network.  Run from a wheel, pip can install itself: the wheel goes on ``sys.path``.
"""

from __future__ import annotations

import glob
import os
import sys

MARKER = "containment.docker get-pip stand-in"

# Options of the real get-pip.py that pip itself does not know.
GET_PIP_ONLY = ("--no-setuptools", "--no-wheel")


def main() -> int:
    """Install the requested pip from the wheel next to this file."""
    here = os.path.dirname(os.path.abspath(__file__))
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    wanted = [arg for arg in args if arg.startswith("pip==")]
    version = wanted[0].split("==", 1)[1] if wanted else "*"
    wheels = sorted(glob.glob(os.path.join(here, "pip-%s-py3-none-any.whl" % version)))
    if not wheels:
        sys.stderr.write(
            "%s: no pip-%s-py3-none-any.whl in %s; run tests/sanity/run.sh (it downloads the wheel "
            "from PyPI) or put the real get-pip script here\n" % (MARKER, version, here)
        )
        return 1
    sys.path.insert(0, wheels[-1])
    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

    return pip_main(["install", "--no-index", "--find-links", here] + args)


if __name__ == "__main__":
    sys.exit(main())
