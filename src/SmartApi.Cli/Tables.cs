using Spectre.Console;

namespace SmartApi.Cli;

/// <summary>Tables for lists: id columns never wrap, so an id can be copied from the terminal in one piece.</summary>
internal static class Tables
{
    private static readonly HashSet<string> IdColumns = new(StringComparer.Ordinal) { "Id", "Event", "Device" };

    public static Table Create(params string[] columns)
    {
        var table = new Table();
        foreach (var name in columns)
        {
            var column = new TableColumn(name);
            if (IdColumns.Contains(name))
            {
                column.NoWrap();
            }
            table.AddColumn(column);
        }
        return table;
    }
}
