"""The lead image: media fields first, else the content's first image."""

from __future__ import annotations

import pytest

from sources.model.article import Image
from sources.model.raw import RawImage
from sources.normalize.images import lead_image

BASE = "https://www.example.com/world/story.html"


@pytest.mark.parametrize(
    ("images", "content", "expected"),
    [
        (
            (RawImage(url="/img/a.jpg", width="1200", height="675px", caption="<b>Quake</b>"),),
            None,
            Image("https://www.example.com/img/a.jpg", "image/jpeg", 1200, 675, "Quake"),
        ),
        (
            (RawImage(url="https://cdn.example.com/a", type="image/webp", credit="AP &amp; AFP"),),
            None,
            Image("https://cdn.example.com/a", "image/webp", credit="AP & AFP"),
        ),
        # A video enclosure is not a lead image; the next candidate is used.
        (
            (
                RawImage(url="https://cdn.example.com/v.mp4", type="video/mp4"),
                RawImage(url="https://cdn.example.com/p.PNG?w=600", width="wide"),
            ),
            None,
            Image("https://cdn.example.com/p.PNG?w=600", "image/png"),
        ),
        ((RawImage(url="javascript:alert(1)"),), None, None),
        (
            (),
            '<p>x</p><img src="https://cdn.example.com/b.gif?a=1&amp;b=2">',
            Image("https://cdn.example.com/b.gif?a=1&b=2", "image/gif"),
        ),
        ((), "<p>no image</p>", None),
        # Type unknown from the URL: kept, with no type.
        (
            (RawImage(url="https://cdn.example.com/photo"),),
            None,
            Image("https://cdn.example.com/photo"),
        ),
    ],
)
def test_lead_image(
    images: tuple[RawImage, ...], content: str | None, expected: Image | None
) -> None:
    assert lead_image(images, content, BASE) == expected
