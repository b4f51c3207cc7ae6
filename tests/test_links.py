"""The links a class is given (ui/links.py): never localhost when the students can reach the server
another way, and a plain warning to the teacher when they cannot."""

import pytest

from harness.apptest import open_page
from ui import links


def base(page_url, listening=None, announced="localhost", public=None, network="10.1.2.3"):
    return links.base(page_url, listening, announced, public, network=lambda: network)


@pytest.mark.parametrize("page_url", ["http://localhost:8501/lab", "http://127.0.0.1:8501/", "http://[::1]:8501/"])
def test_a_teacher_on_the_server_itself_gives_out_its_network_address(page_url):
    assert base(page_url) == ("http://10.1.2.3:8501", None)


def test_the_address_a_page_was_opened_at_is_kept_when_the_class_can_reach_it():
    assert base("http://lab-pc.campus.edu:8501/vanishing") == ("http://lab-pc.campus.edu:8501", None)


def test_a_configured_address_wins():
    assert base("http://localhost:8501/", public="https://rnnviz.campus.edu/") == ("https://rnnviz.campus.edu", None)
    assert base("http://localhost:8501/", announced="lab-pc.campus.edu") == ("http://lab-pc.campus.edu:8501", None)
    assert base("http://localhost:8501/", listening="192.168.1.20") == ("http://192.168.1.20:8501", None)


@pytest.mark.parametrize("listening,network", [("127.0.0.1", "10.1.2.3"), (None, None)])
def test_a_server_only_this_computer_can_reach_says_so_and_what_to_do(listening, network):
    link, warning = base("http://localhost:8501/", listening=listening, network=network)
    assert link == "http://localhost:8501"
    assert "only this computer can open" in warning and "--server.address 0.0.0.0" in warning
    assert links.PUBLIC_ENV in warning


def test_the_page_offers_the_configured_address_in_its_link_and_the_polls(monkeypatch):
    monkeypatch.setenv(links.PUBLIC_ENV, "https://rnnviz.campus.edu")
    at = open_page("vanishing", {"T": "120"})
    assert "https://rnnviz.campus.edu/vanishing?T=120" in [c.value for c in at.code]
    assert not at.warning
