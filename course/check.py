from ui import check_view

check_view.page()
