from django.urls import path

from inventory import views

app_name = "inventory"

urlpatterns = [
    path("parts/", views.PartListView.as_view(), name="part-list"),
    path("parts/new/", views.PartCreateView.as_view(), name="part-create"),
    path("parts/search/", views.PartSearchView.as_view(), name="part-search"),
    path("parts/<int:pk>/", views.PartDetailView.as_view(), name="part-detail"),
    path("parts/<int:pk>/edit/", views.PartUpdateView.as_view(), name="part-update"),
    path("stock/", views.StockItemListView.as_view(), name="stockitem-list"),
    path("stock/receive/", views.StockReceiveView.as_view(), name="stockitem-receive"),
    path("stock/<int:pk>/", views.StockItemDetailView.as_view(), name="stockitem-detail"),
    path("stock/<int:pk>/adjust/", views.StockAdjustView.as_view(), name="stockitem-adjust"),
    path("stock/<int:pk>/move/", views.StockMoveView.as_view(), name="stockitem-move"),
    path("stock/<int:pk>/status/", views.StockStatusView.as_view(), name="stockitem-status"),
]
