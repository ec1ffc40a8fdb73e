"""The seam every cell-table format (HTML, Word, spreadsheets) shares: cells laid out as a
browser does, spans kept (never a spanned value copied into the slots it covers)."""

from gongkai.extract.cellgrid import Cell, CellTable, grid_of, lay_out


def test_spans_take_slots_and_values_are_not_copied():
    rows = [[Cell("申请人情况", rowspan=2), Cell("自然人", colspan=2)],
            [Cell("a"), Cell("b")],
            [Cell("总计"), Cell("3"), Cell("4")]]
    placed = [(p.cell.text, p.row, p.col) for p in lay_out(rows)]
    assert placed == [("申请人情况", 0, 0), ("自然人", 0, 1), ("a", 1, 1), ("b", 1, 2),
                      ("总计", 2, 0), ("3", 2, 1), ("4", 2, 2)]


def test_a_grid_keeps_locators_and_geometry_by_column():
    table = CellTable([[Cell("x", locator={"table": 1, "row": 0, "col": 0}),
                        Cell("y", colspan=2, locator={"table": 1, "row": 0, "col": 1})],
                       [Cell("1"), Cell("2"), Cell("3")]], place="table 1")
    grid = grid_of(table, 1)
    assert (grid.nrows, grid.ncols, grid.where) == (2, 3, "table 1")
    y = grid.region_at(0, 2)
    assert y.text == "y" and y.cols == (1, 2) and y.locator == {"table": 1, "row": 0, "col": 1}
    assert grid.region_at(1, 0).locator is None
    assert y.x1 - y.x0 == 2 * (grid.col_edges[0][1] - grid.col_edges[0][0])
