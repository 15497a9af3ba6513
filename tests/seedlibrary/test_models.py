import pytest
from django.db import IntegrityError, transaction

from seedlibrary.models import Lot
from tests.factories import BranchFactory, GerminationTestFactory, StockFactory, lendable_lot

pytestmark = pytest.mark.django_db


def test_a_lendable_lot_has_a_passing_test_and_packets_on_the_shelf():
    branch = BranchFactory()
    lot = lendable_lot(branch=branch, packets=4)
    assert lot.status == Lot.Status.AVAILABLE
    assert lot.germination_tests.get().rate_percent == 90
    assert lot.stock.get(branch=branch).packets == 4


def test_the_database_refuses_negative_stock_and_more_sprouted_than_tested():
    stock = StockFactory(packets=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        type(stock).objects.filter(pk=stock.pk).update(packets=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        GerminationTestFactory(seeds_tested=10, seeds_sprouted=11)
