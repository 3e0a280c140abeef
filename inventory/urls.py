from django.urls import path

from inventory import views

app_name = "inventory"

urlpatterns = [
    path("placeholder/part-list/", views.PlaceholderView.as_view(), name="part-list"),
    path("placeholder/parts/<int:pk>/", views.PlaceholderView.as_view(), name="part-detail"),
    path("placeholder/stockitem-list/", views.PlaceholderView.as_view(), name="stockitem-list"),
    path("placeholder/stock/<int:pk>/", views.PlaceholderView.as_view(), name="stockitem-detail"),
]
