"""HTML pages authentik serves outside the JSON API (404 for a path without a trailing slash,
500 for its anonymous-retrieve bug), reproduced byte for byte from captured responses.

The bodies are stored zlib-compressed and base64-encoded (they are ~5 kB of template HTML); the
captured page's title line ``Not Found`` is swapped to build the other pages.
"""

from __future__ import annotations

import base64
import zlib
from functools import cache

NGINX_TEMPLATE = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)

_PAGE_2024 = (
    "eNqtV0tz2zYQvvNXoLxEyhik5EflKpIOTeJMO67tGbuHnjwgAZKwQIADgHpMJ/+9C5KSKIm248Y6SORi8e3r2wXk"
    "eZ43+eXL7eeHf+6+oszmYgaC+hfBZ5IxQuvH6jVnlqA4I9owO/X/frjCl/7hsiQ5m/oLzpaF0tZHsZKWSVBfcmqz"
    "KWULHjNcvZwgLrnlRGATE8GmwxOUkxXPy3wjaKNbbgWbeaS0GeDxuTcJG9FWRXA5R5qJqc/BrI8yzZKpHxpLLI9D"
    "yo0NiQHfTejW6++gkKnfiWEyCCAuLfrfYF4LrYDtzMbZi0A5SZkJE6GWjxGJ56lWpaTBU5H6KJy10YxdC2YyxiDD"
    "dl1Axi1b2TA2phO/INYyLROxDnIuA6f2M3BQgZxhSvS8gkI5o5xM/V4VozY4VkJpqKFTGyOn1wd7jmwm1rywdYaW"
    "XFK1DLYFRVP07zZ1QjkGjJF/oyTzT7ZySHLC0zH68/72JigcE3sfPvR365Emkj6/vAD3uJJXJOdiDej+0dJ9GVGV"
    "Ey73V6OSC7oTff+0FwKlXxcQwzUkh0mme/6X278+18S/VoQy6p+gpJSxBQOo12/FWaP1PwGbN7nxOsn4tgptk9rU"
    "+ucR49JYldf1psQSzOUTi20LuvYfGR0fsk+JNT4dnJ4Hw0FwETyZjcFc0VIwf7aL/XUweJaUCGBFKCC1XKYhFIGt"
    "3mgAqOjin3ljrZRtCoIxmWPXfXjXfWNUatF7a7v2PzWARYLjFhqu9mD8+1byhxOM0YLoXpf5NwLh09X7YWGTvyvY"
    "+zon0hfBvnvhR3SldA5NajNUGqbRx9ALEhBhdyhpBedOVdSm+jnRKZfYqmIDDK6kQkVwQGFTkJhpF0XjKBChEARm"
    "SCLYqhYRwVOJuWW5GaMY2o/peuEJeocna9ychWNUoeGI2SVj0vna6VZAFtBounHvRw0+A8bzdD9OzdPMvhDpyvSf"
    "BSMNVAGTDzrwlZxVSG31SFmYJT+yA8YVwxl7zVVRuQpdXvd055XEQH70GlsNe1rXkvMYPtEwHp0ll+eDi8Hl6JKS"
    "ERuexb9dJEMywpenIBn9OkhAOEySER5Uh3EFH+4uSJNI0XV7vlC+QLGAUQFnfxel3QkM42QBP0DgnBnjaO38gsOH"
    "aZhZneJjYKGgnAgqE8/hoGm8aSkBTKWyA9m7tIHkGO7x0clbeoegh6rYZQJarA7VHcII7FYPBygVkmPj8Ww/uk89"
    "CpbYxwolMAu4BREBJdvdGK5VqrbV2ILXWd0TNd697HyXo9lwb1N143RB5vhsJTo2VLW/gRPlylXaOwYMs+Ghu7X1"
    "N+TaUa3DtjdxvQq3MZspOvXvbu8f/D0Mt7whSAEEK5pngjiteOI4ijOVs+0VYB8gKqFxZR1/oYHGuu3HN4Xc3qY1"
    "iOO3szjzXirPJHQhtd4TOI+7S1WvHJKyFPu6QKTaQS7d9OjK01FRBO+u5AQmjOxecp87tWSaURSt0e5vSSdO2A00"
    "CQ8tT8JStJNTx7wZN/W4qH+8o3AapXoQAa2q/3H/AUwrKmk="
)

_PAGE_2025 = (
    "eNq1WFtv2zYUfvev4LSH2kUkxU6apImdYmuboUN6wdI+DMNg0CJtsaZEgaTsGq3/+w5J2dYttotgemgt8vA7t4/n"
    "HKXTgWf4y5uPrz///ektinXCbztD818HwcNxOht5NPXsG8Ea+zqmCR15nM1iXV/2o1iwCHZxroXXubXbw5hi4n7a"
    "14RqjKIYS0X1yPvy+c6/8urbKTY6FowuMyG1hyKRapqC+JIRHY8IXYAa376cIJYyzTD3VYQ5HfVPUIK/sSRPNgsl"
    "9FY1BMu5BBup9LmI5mVjNNOc3nbAnRjUs3lnGBZLWxHO0jmSlI88BlZ6KJZ0OvJCpbFmUUiY0iFW4KoKzb77N8jS"
    "mdeKoWLwN8o1+mmwnY8luAzOUx3Fe5ESPKMqnHKxHE9wNJ9Jkack+JrNPBTeWn6oSLJMu0QzYtPr4uGD/inb+OLl"
    "iiKlJYu0d+MMWrKUiGWwPYBG6PvWUog2JOgaGYKdbFcd5DX68+HjhyAzNOk+e4Z+/EDe97XX28lNJE7JYbEFlYqJ"
    "9A4njK9Al9fYesgnRCSYpdXdSc44qS7hjF2X7LdSWNGqkHkg+L83Ntbu5/qmEhlC3i4gNPeQEZpS2fXefHz/2tH9"
    "XgApiXeCpnkaabAUdXsl9Q6tdwOkdAmyydrudspEUHrFqYophcukVxmwXtNvOoyUaqWGEw8ZmCGnGK7a4HTwIugP"
    "gvPAHrG8AOLWieGqgFt9nBTddn+0XNWCGz5H72apkBQJDtcTWXh7axV6HlZEOdWOT3z1oOEE+WxlR5s42z2zA2R/"
    "Fcyofqdp0nUGez3DmzTn/KaCyaaoa4Ilpq3QoxHyjGNw/Xo1w7fsrlvTXAwAIen2qprXDTt+6f7jquoJKmov/DCV"
    "y/s3YGnEc0JVt4ne6x1tWtP/qhWVF1N99KbyWoTXtvSjUUNZSpfoy1/3DxTLKP6EJU5Ut5QUw4NA2c2eyUslJ01D"
    "bzotdui9BrRYCdBERHkClyzY/HjLqXsHMkNhDHRV3kW/pv6nQEZlO2tAlmplWUMuq7Etf8ep3ZE/wdAD3lPCcLeB"
    "Ze9o1zYKqaCecyHhApvz18jwq1crbebpOUSqWtFeFcRs3bze0LdGNUQ51IknuFqJbTuL1ygyZqMurQfV0EhwGlAp"
    "BZTgO8w4JUgLqPgZXzlsuHC0dE3XRfl1V7dUgqvDRTmgpTnGxsDG1xbT6pliljInS0d+ndrHQ4lJ5OixnFnknnck"
    "Zv+q/7KPD2E6HlTay9C2iF3lt93YN83hdujaR2m+KdqEklGtz2SCr0q95avadKdEkJxTi1XEdTfe1DQ7PN+1rKLp"
    "XEshdCnHvo/n/oyLCYyJ/m7I8e3sc41yybs/OxsVVFh3tu4+vd8WrrQ0270DrIJcypWvJXTqUnIvL/vRBT07P315"
    "dX5+McCTCzK4vMCDwQXpn56dTfyryTk9719SEp2eXZKLFwUV92ia4NkMIlJS0jwzDHcD/3AiyKqcO0iDmrPM18Iv"
    "ICDFLYtWEtq8Am12EcYzKp1scxlCT9gCRRzSBkPv1I/8DCTGYyLxksqCFA0Zt4vgd2IIz3GmYNwq8bb9wHhshsWS"
    "3F7ZwqOa+N4jJmgt8q1nuJiBLe42cLwSubY3IppXPGnAGA+aOIVnCEtm0CaGyb8Vo7vr1GgqZLIH+HEbHbYf2w8t"
    "ZNdtzTgAZgFZMtsA2jMwchlQ4bWUlMb30ZjTqR7bc4FawEcN5rr0CYPuLVB4wCcAXzzZ7WN8jfsVEPu56Sh69o0X"
    "idZUaVv7IiyJEzkC2t7AD1AX70wR6xw2JYz7/29U9hC9YnQDpMTCYQZVIStKZKvgeGzKdla+2BjZz9i57QV+LExv"
    "LsqyVzk/ybUG1tv4ZzCoY/hGsS+T2p8KzPOHQAZqpybEhY0uTsV/TwnpMDSB27M/hcYH96t8gx+Ypsite22pKI5Y"
    "t+xEciCjOa+iwK1zh1kKDfAYJh6mHmfH8XmoMpweJ2qeTwIKLEx2kxXa/U3nKD3hcYqG4SHLh2HO9+XXZeOR6t9O"
    "jpbl2lLp9REu1nu4a9xQAuxfBP8DedZ1Nw=="
)


@cache
def _template(new_style: bool) -> bytes:
    raw = _PAGE_2025 if new_style else _PAGE_2024
    return zlib.decompress(base64.b64decode(raw))


@cache
def authentik_page(new_style: bool, title: str) -> bytes:
    """authentik's error page (``Not Found``, ``Server Error``, ...) for a release style."""
    return _template(new_style).replace(b"\nNot Found\n", b"\n" + title.encode() + b"\n", 1)


def nginx_page(code: int, reason: str) -> bytes:
    """A reverse proxy's error page (502/503/504 in front of authentik)."""
    return NGINX_TEMPLATE.format(code=code, reason=reason).encode()
