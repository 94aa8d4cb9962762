"""One pager for every long list (the catalogue, HR's officials, certificates and report lists);
``templates/includes/pager.html`` draws it, keeping the rest of the query string."""

from functools import cached_property

from django.core.paginator import Page, Paginator


class CountedPaginator(Paginator):
    """A paginator told its count (when it is known already) rather than asking the database."""

    def __init__(self, object_list, per_page, count=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.known_count = count

    @cached_property
    def count(self):
        return super().count if self.known_count is None else self.known_count


def page_of(items, number, per_page: int, count: int | None = None) -> Page:
    """Page ``number`` (any text: out of range or not a number gives the nearest page) of
    ``items``, its objects read once into a list."""
    page = CountedPaginator(items, per_page, count=count).get_page(number)
    page.object_list = list(page.object_list)
    return page
