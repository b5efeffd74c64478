"""The generated nginx configuration (bot/ops/nginx.py): every field filled, both replicas in both upstreams,
the limits from the arguments, and nginx itself accepts it (`nginx -t`, when the Debian package is installed)."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from bot.core import messages
from bot.ops import nginx


def test_render_fills_every_field_and_names_both_replicas(tmp_path):
    text = nginx.render(5005, [6001, 6002], tmp_path, "http://localhost:8080", nginx.Limits(7, 9, 16))
    assert "{{" not in text
    for upstream in ("rasa_rest", "rasa_socketio"):
        block = re.search(r"upstream " + upstream + r" \{(.*?)\}", text, re.S).group(1)
        assert "127.0.0.1:6001" in block and "127.0.0.1:6002" in block
    assert "hash $sticky_key consistent;" in text  # socket.io sticky, REST round robin (no hash there)
    assert "rate=7r/s" in text and text.count("burst=9 nodelay") == 2
    assert "client_max_body_size 16k;" in text and "listen 5005;" in text
    assert nginx.UPSTREAM_HEADER not in text  # only with debug_header
    body = re.search(r"return 429 '(.*)\\n';", text).group(1)
    assert json.loads(body)["text"] == messages.SLOW_DOWN


def test_no_replica_is_an_error(tmp_path):
    with pytest.raises(ValueError):
        nginx.render(5005, [], tmp_path, "http://localhost:8080")


@pytest.mark.skipif(not (shutil.which("nginx") or shutil.which("/usr/sbin/nginx")), reason="nginx not installed")
def test_nginx_accepts_the_configuration(tmp_path):
    conf = nginx.write_conf(5005, [6001, 6002], tmp_path, "http://localhost:8080", debug_header=True)
    nginx.check_conf(tmp_path, conf)  # raises with nginx's message if it rejects it
