using System.Globalization;
using System.Text;
using CsCheck;
using SmartApi.Server.Exports;

namespace SmartApi.Server.Tests.Exports;

public class NumbersTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(230.1)]
    [InlineData(0.054)]
    [InlineData(-12.5)]
    [InlineData(0.0001)]
    [InlineData(0.00001)]
    [InlineData(1e12)]
    [InlineData(123456789.1234)]
    [InlineData(0.30000000000000004)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Known_values_are_written_as_the_invariant_round_trip_form(double value) =>
        Assert.Equal(value.ToString(CultureInfo.InvariantCulture), Format(value));

    [Fact]
    public void Values_with_a_few_decimals_and_any_double_match_the_invariant_round_trip_form()
    {
        var decimals = Gen.Long[-100_000_000_000_000, 100_000_000_000_000].Select(Gen.Int[0, 6], (n, k) => n / Math.Pow(10, k));
        decimals.Sample(value => Assert.Equal(value.ToString(CultureInfo.InvariantCulture), Format(value)), iter: 100_000);
        Gen.Double.Sample(value => Assert.Equal(value.ToString(CultureInfo.InvariantCulture), Format(value)), iter: 100_000);
    }

    [Fact]
    public void Negative_zero_keeps_its_sign() => Assert.Equal("-0", Format(-0.0));

    private static string Format(double value)
    {
        var buffer = new byte[40];
        return Encoding.UTF8.GetString(buffer, 0, Numbers.Write(buffer, value));
    }
}
